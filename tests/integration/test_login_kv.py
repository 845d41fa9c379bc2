"""The login records and leases in NATS key-value buckets, on a real nats-server: the
same contract as the in-memory records, counts that stay right when replicas write at
once, buckets brought to new settings, an outage survived on local state and logged,
and leases that keep replicas apart and outlive a dead holder only for their TTL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from bureau.nats_server import EmbeddedNats
from shared.kv import BucketSpec, open_bucket
from shared.kv.leases import KvLeases
from shared.kv.logins import FAILURES, KvLoginRecords
from shared.ports.logins import LoginRecords, MemoryLoginRecords
from shared.ratelimit import Budgets, LoginThrottle

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


@pytest.fixture(params=["memory", "nats"])
async def records(
    request: pytest.FixtureRequest, connections: list[Client]
) -> AsyncIterator[LoginRecords]:
    if request.param == "memory":
        yield MemoryLoginRecords()
    else:
        shared = kv_records(connections[0])
        await shared.prepare()
        yield shared


# --- the contract, for both adapters ---------------------------------------------------
async def test_failures_are_kept_newest_last_and_bounded(records: LoginRecords) -> None:
    for n in range(6):
        await records.add_failure("pair a@example.test 192.0.2.1", NOW + n, since=NOW - 1, keep=4)
    assert await records.failures("pair a@example.test 192.0.2.1", NOW - 1) == [
        NOW + 2,
        NOW + 3,
        NOW + 4,
        NOW + 5,
    ]
    assert await records.failures("pair a@example.test 192.0.2.1", NOW + 3) == [NOW + 4, NOW + 5]
    assert await records.failures("pair b@example.test 192.0.2.1", NOW - 1) == []


async def test_old_failures_are_dropped_when_adding(records: LoginRecords) -> None:
    await records.add_failure("k", NOW, since=NOW - WINDOW, keep=10)
    await records.add_failure("k", NOW + 400, since=NOW + 400 - WINDOW, keep=10)
    assert await records.failures("k", 0.0) == [NOW + 400]


async def test_clear_forgets_and_counting_starts_again(records: LoginRecords) -> None:
    await records.add_failure("k", NOW, since=0.0, keep=10)
    await records.clear("k")
    assert await records.failures("k", 0.0) == []
    await records.add_failure("k", NOW + 1, since=0.0, keep=10)
    assert await records.failures("k", 0.0) == [NOW + 1]
    await records.clear("never-written")


async def test_known_marks(records: LoginRecords) -> None:
    assert await records.known_at("alice 192.0.2.1", 0.0) is None
    await records.mark_known("alice 192.0.2.1", NOW)
    assert await records.known_at("alice 192.0.2.1", NOW - 10) == NOW
    assert await records.known_at("alice 192.0.2.1", NOW + 10) is None  # too long ago
    assert await records.known_at("alice 192.0.2.2", 0.0) is None


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
    caplog.set_level(logging.INFO, logger="shared.kv")
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
