"""The login records and leases in NATS key-value buckets, on a real nats-server (the
records' contract is `tests/contracts/test_login_records.py`): counts that stay right
when replicas write at once, buckets brought to new settings, an outage survived on
local state and logged, and leases that keep replicas apart, outlive a dead holder only
for their TTL, and end the POP3 session that lost one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from bureau.nats_server import EmbeddedNats
from bureau.process import free_port
from services.gateway import pop3
from services.gateway.changes import ChangeFeed
from services.gateway.frontends import FrontEnd
from services.gateway.settings import GatewaySettings
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.kv import BucketSpec, kv_key, open_bucket
from shared.runtime.kv.leases import KvLeases
from shared.runtime.kv.logins import FAILURES, KvLoginRecords
from shared.runtime.login import PasswordLogin
from shared.runtime.passwords import hash_password
from shared.runtime.ratelimit import Budgets, LoginThrottle
from shared.runtime.tls import server_context

WINDOW = 300.0
NOW = 1_000_000.0


async def _connect(url: str) -> Client:
    # Reconnects quietly while a test stops and starts the server.
    return await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)


@pytest.fixture
async def connections(nats_server: EmbeddedNats) -> AsyncIterator[list[Client]]:
    """Two connections: two replicas' worth."""
    clients = [await _connect(nats_server.url) for _ in range(2)]
    yield clients
    for client in clients:
        await client.close()


def jetstream(client: Client) -> Callable[[], JetStreamContext]:
    return lambda: client.jetstream()


def kv_records(client: Client, window: float = WINDOW) -> KvLoginRecords:
    return KvLoginRecords(jetstream(client), window=window, known_for=86400.0)


# --- what only the shared records do ---------------------------------------------------
async def test_replicas_failing_at_once_all_count(connections: list[Client]) -> None:
    first, second = (kv_records(c) for c in connections)
    await asyncio.gather(
        *(
            replica.add_failure("account alice", NOW + n, since=0.0, keep=100)
            for n in range(30)
            for replica in (first, second)
        )
    )
    assert len(await first.failures("account alice", 0.0)) == 60
    assert await first.failures("account alice", 0.0) == await second.failures("account alice", 0.0)


async def test_a_throttle_on_one_replica_refuses_what_another_counted(
    connections: list[Client],
) -> None:
    budgets = Budgets(pair=3, window=60)
    one, other = (LoginThrottle(kv_records(c), budgets) for c in connections)
    for _ in range(3):
        await one.failed(await one.check("alice@example.test", "192.0.2.1"))
    verdict = await other.check("Alice@Example.test", "192.0.2.1")
    assert verdict.retry_after is not None and 55 <= verdict.retry_after <= 60
    assert (await other.check("alice@example.test", "192.0.2.2")).retry_after is None


async def test_the_bucket_follows_the_window_setting(connections: list[Client]) -> None:
    js = connections[0].jetstream()
    await kv_records(connections[0], window=300.0).prepare()
    assert (await js.stream_info(f"KV_{FAILURES}")).config.max_age == 300.0
    await kv_records(connections[0], window=60.0).prepare()  # a restart with a new window
    assert (await js.stream_info(f"KV_{FAILURES}")).config.max_age == 60.0
    await kv_records(connections[0], window=60.0).prepare()  # and again: nothing to change


async def test_entries_expire_with_the_bucket_ttl(connections: list[Client]) -> None:
    short = KvLoginRecords(jetstream(connections[0]), window=1.0, known_for=1.0)
    await short.add_failure("k", NOW, since=0.0, keep=10)
    assert await short.failures("k", 0.0) == [NOW]
    kv = await open_bucket(connections[0].jetstream(), BucketSpec(FAILURES, 1.0, ""), 1)

    async def gone() -> bool:
        return (await kv.status()).values == 0

    for _ in range(50):
        if await gone():
            break
        await asyncio.sleep(0.1)
    assert await gone()
    assert await short.failures("k", 0.0) == []


async def test_an_outage_falls_back_to_this_process_and_says_so(
    nats_server: EmbeddedNats, connections: list[Client], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shared.runtime.kv")
    records = kv_records(connections[0])
    throttle = LoginThrottle(records, Budgets(pair=2, window=60))
    await throttle.failed(await throttle.check("alice@example.test", "192.0.2.1"))
    await nats_server.stop()
    # Still throttled while NATS is away: the second failure is counted here.
    await throttle.failed(await throttle.check("alice@example.test", "192.0.2.1"))
    await throttle.failed(await throttle.check("bob@example.test", "192.0.2.1"))
    await throttle.failed(await throttle.check("bob@example.test", "192.0.2.1"))
    assert (await throttle.check("bob@example.test", "192.0.2.1")).retry_after is not None
    outages = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert outages and {r.levelno for r in outages} == {logging.WARNING}
    assert len({r.getMessage().split()[3] for r in outages}) == len(outages)  # once a bucket
    assert all(r.exc_info is None for r in outages)  # an expected condition: no traceback
    assert "counting failed logins in this process" in caplog.text

    await nats_server.start()
    await asyncio.sleep(5.5)  # the pause before the bucket is tried again
    for _ in range(50):
        if connections[0].is_connected:
            break
        await asyncio.sleep(0.1)
    # The shared failure (before) and the local one (during) both count.
    assert (await throttle.check("alice@example.test", "192.0.2.1")).retry_after is not None
    assert "LOGIN_FAILURES answers again" in caplog.text


# --- leases ----------------------------------------------------------------------------
def leases(client: Client, ttl: float = 30.0) -> KvLeases:
    return KvLeases(jetstream(client), bucket="TEST_LOCKS", ttl=ttl, what="test locks")


async def test_a_lease_keeps_other_replicas_and_this_one_out(connections: list[Client]) -> None:
    one, other = (leases(c) for c in connections)
    held = await one.acquire("pop3 account-1")
    assert held is not None and not held.lost
    assert await other.acquire("pop3 account-1") is None
    assert await one.acquire("pop3 account-1") is None
    second = await other.acquire("pop3 account-2")
    assert second is not None
    await held.release()
    await held.release()  # idempotent
    again = await other.acquire("pop3 account-1")
    assert again is not None
    for lease in (second, again):
        await lease.release()


async def test_a_held_lease_is_renewed_past_its_ttl(connections: list[Client]) -> None:
    one, other = leases(connections[0], ttl=1.5), leases(connections[1], ttl=1.5)
    held = await one.acquire("pop3 account-1")
    assert held is not None
    await asyncio.sleep(4)
    assert await other.acquire("pop3 account-1") is None
    assert not held.lost
    await held.release()


async def test_a_dead_holders_lease_expires_with_its_ttl(
    nats_server: EmbeddedNats, connections: list[Client]
) -> None:
    dying = await _connect(nats_server.url)
    held = await leases(dying, ttl=1.5).acquire("pop3 account-1")
    assert held is not None
    await dying.close()  # the replica is gone: nothing renews the lease
    other = leases(connections[1], ttl=1.5)
    assert await other.acquire("pop3 account-1") is None
    for _ in range(60):
        taken = await other.acquire("pop3 account-1")
        if taken is not None:
            break
        await asyncio.sleep(0.1)
    assert taken is not None, "the lease did not expire"
    await taken.release()
    await held.release()  # the dead holder's release harms nothing


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def test_a_lease_that_ran_out_is_taken_back_or_lost(connections: list[Client]) -> None:
    one, other = leases(connections[0], ttl=1.5), leases(connections[1], ttl=1.5)
    # Ran out unseen (as in an outage longer than the TTL), nobody took it: taken back.
    kept = await one.acquire("pop3 account-1")
    assert kept is not None
    kv = await connections[1].jetstream().key_value("TEST_LOCKS")
    await kv.delete(kv_key("pop3 account-1"))
    await asyncio.sleep(1.2)  # a renewal or two
    assert not kept.lost and await other.acquire("pop3 account-1") is None
    # Ran out and another holder took it meanwhile: lost, and released without harm.
    lost = await one.acquire("pop3 account-2")
    assert lost is not None
    await kv.delete(kv_key("pop3 account-2"))
    taken = await other.acquire("pop3 account-2")
    assert taken is not None
    assert await _until(lambda: lost.lost)
    await lost.release()
    assert await leases(connections[0]).acquire("pop3 account-2") is None  # still taken
    for lease in (kept, taken):
        await lease.release()


async def test_a_pop3_session_that_lost_its_lock_ends_without_changes(
    tmp_path: Path, connections: list[Client]
) -> None:
    port = free_port()
    settings = GatewaySettings(
        data_dir=tmp_path, pop3_listen=f"127.0.0.1:{port}", pop3s_listen=f"127.0.0.1:{free_port()}"
    )
    mailbox = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
    account = await mailbox.create_account("alice@example.test", hash_password("secret"))
    front = FrontEnd(
        settings=settings,
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        index=cast(Any, None),
        login=PasswordLogin(mailbox),
        tls=server_context(settings),
        changes=ChangeFeed(),
    )
    listeners = pop3.listeners(front, leases(connections[0], ttl=1.5))
    for listener in listeners:
        await listener.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.readline()
        for command in ("USER alice@example.test", "PASS secret"):
            writer.write(command.encode() + b"\r\n")
            assert (await reader.readline()).startswith(b"+OK")
        # Another replica finds the lock expired and takes the maildrop.
        kv = await connections[1].jetstream().key_value("TEST_LOCKS")
        await kv.delete(kv_key(f"pop3 {account.id}"))
        assert await leases(connections[1], ttl=1.5).acquire(f"pop3 {account.id}") is not None
        await asyncio.sleep(1.5)  # this replica's next renewal finds it taken
        writer.write(b"STAT\r\n")
        assert await reader.readline() == (
            b"-ERR [IN-USE] Maildrop lock lost to another session; no changes made\r\n"
        )
        assert await reader.read() == b""
        writer.close()
    finally:
        for listener in listeners:
            await listener.stop()
        await mailbox.close()
