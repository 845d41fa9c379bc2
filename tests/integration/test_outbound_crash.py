"""outbound run alone and stopped while its queue is full, then started again.

Stopped (SIGTERM), it finishes what it holds: every message reaches the smarthost once.
Killed (SIGKILL), nothing is lost either; a message whose 250 had arrived but whose
ledger entry had not yet been written is sent again — the SMTP duplicate no sender can
rule out (RFC 5321 §4.5.4.1, RFC 1047) — so at most the requests in flight (8 workers)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bureau.nats_server import EmbeddedNats
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import OutboundRequest, new_event_id
from shared.runtime.bus import JetStreamPublisher, ensure_streams, make_broker
from shared.streams import ALL_STREAMS
from tests.factories import make_raw
from tests.integration.processes import ServiceProcess, service_env
from tests.integration.smarthost import Smarthost

MESSAGES = 300


@pytest.mark.parametrize(("how", "most_duplicates"), [("SIGTERM", 0), ("SIGKILL", 8)])
async def test_outbound_stopped_with_a_full_queue(
    tmp_path: Path, nats_server: EmbeddedNats, how: str, most_duplicates: int
) -> None:
    smarthost = Smarthost()
    await smarthost.start()
    data_dir = tmp_path / "var"
    env = service_env(data_dir, nats_server.url)
    env.update(
        BUREAU_SMARTHOST=f"127.0.0.1:{smarthost.port}",
        BUREAU_SMARTHOST_TLS="none",
        BUREAU_HOSTNAME="mail.example.test",
        BUREAU_ACK_WAIT="2",  # what the killed process held comes back after 2 s
    )
    store = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")  # no local accounts
    await store.close()
    broker = make_broker(nats_server.url, "test-queue")
    connection = await broker.connect()
    await ensure_streams(connection.jetstream(), ALL_STREAMS)
    publisher, blobs = JetStreamPublisher(broker), FsBlobStore(data_dir / "blobs")
    for i in range(MESSAGES):
        raw = make_raw(subject=f"queued {i}", message_id=f"<out-{i}@example.test>")
        await publisher.publish(
            OutboundRequest(
                event_id=new_event_id(), mail_from="alice@example.test",
                recipients=[f"r{i % 7}@remote.test"], blob_id=await blobs.put(raw),
                size=len(raw), queued_at=datetime.now(UTC),
            )
        )  # fmt: skip
    await broker.stop()
    outbound = ServiceProcess("outbound", env, tmp_path)
    try:
        await outbound.start()
        for _ in range(3000):
            if len(smarthost.accepted) >= MESSAGES // 4:
                break
            await asyncio.sleep(0.01)
        # In a thread: the smarthost runs on this event loop and must answer meanwhile.
        await asyncio.to_thread(outbound.kill if how == "SIGKILL" else outbound.stop)
        sent_before = len(smarthost.accepted)
        assert sent_before < MESSAGES  # killed with work left
        outbound = ServiceProcess("outbound", env, tmp_path)
        await outbound.start()
        for _ in range(1200):
            if len({_id(a.data) for a in smarthost.accepted}) == MESSAGES:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let a wrong duplicate show
    finally:
        await asyncio.to_thread(outbound.stop)
        await smarthost.stop()
    counts = Counter(_id(a.data) for a in smarthost.accepted)
    assert len(counts) == MESSAGES  # nothing lost
    twice = [m for m, n in counts.items() if n > 1]
    assert sum(n - 1 for n in counts.values()) <= most_duplicates, twice


def _id(data: bytes) -> str:
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return ""
