"""A durable consumer counts how it settles each delivery, against a real nats-server:
acks, naks with their reason, redeliveries, dead letters, and its lag read from
JetStream's consumer info at scrape time."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import nats
import pytest

from bureau.health import watch_consumers
from bureau.nats_server import EmbeddedNats
from shared.events import MailReceived
from shared.runtime.bus import Defer, ensure_streams, make_broker, subscribe
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.runtime.metrics import Registry
from shared.streams import ALL_STREAMS, MAIL
from tests import prometheus


def event(name: str, received_at: datetime | None = None) -> MailReceived:
    return MailReceived(
        event_id=name,
        blob_id="sha256-" + "0" * 64,
        size=1,
        mail_from="",
        rcpt_to=["a@example.test"],
        received_at=received_at or datetime.now(UTC),
    )


@pytest.fixture
async def nc(nats_server: EmbeddedNats) -> AsyncIterator[nats.aio.client.Client]:
    client = await nats.connect(nats_server.url)
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.close()


async def until(condition: object, timeout: float = 20.0) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def test_settlements_are_counted_by_consumer(
    nats_server: EmbeddedNats, nc: nats.aio.client.Client
) -> None:
    registry = Registry()
    handled: Counter[str] = Counter()
    later = datetime.now(UTC) + timedelta(seconds=0.5)

    async def handler(ev: MailReceived) -> None:
        handled[ev.event_id] += 1
        if ev.event_id == "flaky" and handled["flaky"] == 1:
            raise RuntimeError("a passing failure")
        if ev.event_id == "poison":
            raise RuntimeError("never works")
        if ev.event_id == "early" and datetime.now(UTC) < later:
            raise Defer((later - datetime.now(UTC)).total_seconds())

    broker = make_broker(nats_server.url, "test")
    consumer = subscribe(
        broker, subject=MailReceived.SUBJECT, stream=MAIL, durable="filters",
        model=MailReceived, handler=handler, max_deliver=2, ack_wait=5,
        metrics=ConsumerMetrics(registry),
    )  # fmt: skip
    await broker.start()
    watch_consumers(registry, broker.connection, [consumer])
    try:
        js = nc.jetstream()
        for name in ("fine", "flaky", "poison", "early"):
            await js.publish(MailReceived.SUBJECT, event(name).model_dump_json().encode())
        await js.publish(MailReceived.SUBJECT, b"{not json")
        acks = "bureau_consumer_acks_total"
        await until(
            lambda: (
                prometheus.value(prometheus.parse(registry.render()), acks) == 3
                and prometheus.value(
                    prometheus.parse(registry.render()), "bureau_consumer_dead_letters_total"
                )
                == 2
            )
        )
        families = prometheus.parse(await registry.collect())
    finally:
        await broker.stop()

    def value(name: str, **labels: str) -> float:
        return prometheus.value(families, name, consumer="filters", **labels)

    assert value("bureau_consumer_acks_total") == 3  # fine, flaky, early
    assert value("bureau_consumer_dead_letters_total") == 2  # poison, the undecodable one
    assert value("bureau_consumer_naks_total", reason="failed") == 2  # flaky once, poison once
    assert value("bureau_consumer_naks_total", reason="deferred") >= 1
    assert value("bureau_consumer_naks_total", reason="stopping") == 0
    assert value("bureau_consumer_deliveries_total") == sum(handled.values()) + 1
    assert (
        value("bureau_consumer_redeliveries_total") == value("bureau_consumer_deliveries_total") - 5
    )
    assert value("bureau_consumer_handle_seconds_count") == sum(handled.values())
    assert value("bureau_consumer_pending_messages") == 0
    assert value("bureau_consumer_ack_pending_messages") == 0


async def test_lag_shows_what_waits_for_a_stopped_consumer(
    nats_server: EmbeddedNats, nc: nats.aio.client.Client
) -> None:
    registry = Registry()

    async def handler(_ev: MailReceived) -> None:
        return None

    broker = make_broker(nats_server.url, "test")
    consumer = subscribe(
        broker, subject=MailReceived.SUBJECT, stream=MAIL, durable="filters",
        model=MailReceived, handler=handler, max_deliver=2, ack_wait=5,
        metrics=ConsumerMetrics(registry),
    )  # fmt: skip
    await broker.start()
    await broker.stop()  # the durable consumer stays, nobody reads it
    watcher = await nats.connect(nats_server.url)
    try:
        watch_consumers(registry, watcher, [consumer])
        js = nc.jetstream()
        for i in range(7):
            await js.publish(MailReceived.SUBJECT, event(f"waiting-{i}").model_dump_json().encode())
        families = prometheus.parse(await registry.collect())
        pending = prometheus.value(families, "bureau_consumer_pending_messages", consumer="filters")
        assert pending == 7
    finally:
        await watcher.close()
