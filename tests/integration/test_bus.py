"""The bus adapter against a real nats-server: explicit acks, retries, dead letters,
replicas sharing a durable consumer, and publish deduplication."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import nats
import pytest
from faststream.nats import NatsBroker

from bureau.nats_server import EmbeddedNats
from shared.events import DeadLetter, MailReceived
from shared.runtime.bus import JetStreamPublisher, ensure_streams, make_broker, subscribe
from shared.streams import ALL_STREAMS, MAIL


def event(n: int) -> MailReceived:
    return MailReceived(
        event_id=f"ev-{n}",
        blob_id="sha256-" + "0" * 64,
        size=n,
        mail_from="",
        rcpt_to=["a@example.test"],
        received_at=datetime.now(UTC),
    )


@pytest.fixture
async def streams(nats_server: EmbeddedNats) -> AsyncIterator[nats.aio.client.Client]:
    nc = await nats.connect(nats_server.url)
    await ensure_streams(nc.jetstream(), ALL_STREAMS)
    yield nc
    await nc.close()


async def start_consumer(
    url: str,
    handler: Callable[[MailReceived], Awaitable[None]],
    *,
    max_deliver: int | None = 3,
    expired: Callable[[MailReceived], bool] | None = None,
) -> NatsBroker:
    broker = make_broker(url, "test")
    subscribe(
        broker,
        subject=MailReceived.SUBJECT,
        stream=MAIL,
        durable="filters",
        model=MailReceived,
        handler=handler,
        max_deliver=max_deliver,
        workers=4,
        ack_wait=5,
        expired=expired,
    )
    await broker.start()
    return broker


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def dead_letters(nc: nats.aio.client.Client, expected: int) -> list[DeadLetter]:
    sub = await nc.jetstream().pull_subscribe("deadletter.>", durable="inspect")
    letters: list[DeadLetter] = []
    while len(letters) < expected:
        for message in await sub.fetch(expected - len(letters), timeout=10):
            letters.append(DeadLetter.model_validate_json(message.data))
            await message.ack()
    return letters


async def test_poison_and_failing_events_are_dead_lettered(
    nats_server: EmbeddedNats, streams: nats.aio.client.Client
) -> None:
    handled: Counter[str] = Counter()

    async def handler(ev: MailReceived) -> None:
        handled[ev.event_id] += 1
        if ev.event_id == "ev-bad":
            raise RuntimeError("cannot handle this one")

    broker = await start_consumer(nats_server.url, handler, max_deliver=3)
    try:
        js = streams.jetstream()
        await js.publish(MailReceived.SUBJECT, b"{not json", stream="MAIL")
        failing = event(0).model_copy(update={"event_id": "ev-bad"})
        await js.publish(MailReceived.SUBJECT, failing.model_dump_json().encode(), stream="MAIL")
        await js.publish(MailReceived.SUBJECT, event(1).model_dump_json().encode(), stream="MAIL")
        letters = await dead_letters(streams, 2)
        await until(lambda: handled["ev-1"] == 1)
    finally:
        await broker.stop()
    by_error = {("undecodable" in d.error): d for d in letters}
    assert by_error[True].payload == "{not json"
    assert by_error[False].deliveries == 3 and "cannot handle this one" in by_error[False].error
    assert all(d.subject == MailReceived.SUBJECT and d.consumer == "filters" for d in letters)
    assert handled["ev-bad"] == 3
    info = await streams.jetstream().stream_info("MAIL")
    assert info.state.messages == 0  # nothing left behind in the work queue


async def test_without_a_delivery_count_failures_retry_until_the_event_expires(
    nats_server: EmbeddedNats, streams: nats.aio.client.Client
) -> None:
    """Outbound's way: failures retry past any count (a store down for a while loses
    nothing), and an event that can never succeed is dead-lettered once past its time."""
    handled: Counter[str] = Counter()

    async def handler(ev: MailReceived) -> None:
        handled[ev.event_id] += 1
        raise RuntimeError("blob gone")

    # "ev-old" expires from its sixth failure on; "ev-new" never does.
    broker = await start_consumer(
        nats_server.url,
        handler,
        max_deliver=None,
        expired=lambda ev: ev.event_id == "ev-old" and handled[ev.event_id] >= 6,
    )
    try:
        js = streams.jetstream()
        for event_id in ("ev-old", "ev-new"):
            ev = event(0).model_copy(update={"event_id": event_id})
            await js.publish(MailReceived.SUBJECT, ev.model_dump_json().encode(), stream="MAIL")
        (letter,) = await dead_letters(streams, 1)
        await until(lambda: handled["ev-new"] >= 6)
    finally:
        await broker.stop()
    assert letter.deliveries == 6 and "blob gone" in letter.error
    assert handled["ev-old"] == 6  # past the default count of 5, then given up
    info = await streams.jetstream().stream_info("MAIL")
    assert info.state.messages == 1  # "ev-new" still waits for its next try


async def test_replicas_share_one_durable_consumer(
    nats_server: EmbeddedNats, streams: nats.aio.client.Client
) -> None:
    seen: dict[str, list[str]] = {"a": [], "b": []}

    def recorder(name: str) -> Callable[[MailReceived], Awaitable[None]]:
        async def handler(ev: MailReceived) -> None:
            seen[name].append(ev.event_id)
            await asyncio.sleep(0.01)

        return handler

    replicas = [await start_consumer(nats_server.url, recorder(n)) for n in ("a", "b")]
    publisher_broker = make_broker(nats_server.url, "publisher")
    await publisher_broker.connect()
    publisher = JetStreamPublisher(publisher_broker)
    try:
        for n in range(200):
            await publisher.publish(event(n))
        await until(lambda: len(seen["a"]) + len(seen["b"]) >= 200)
        await asyncio.sleep(0.3)
    finally:
        for broker in replicas:
            await broker.stop()
        await publisher_broker.stop()
    everything = seen["a"] + seen["b"]
    assert sorted(everything) == sorted(f"ev-{n}" for n in range(200))  # each exactly once
    assert seen["a"] and seen["b"]  # both replicas took a share


async def test_publish_is_deduplicated_by_event_id(
    nats_server: EmbeddedNats, streams: nats.aio.client.Client
) -> None:
    broker = make_broker(nats_server.url, "publisher")
    await broker.connect()
    try:
        publisher = JetStreamPublisher(broker)
        for _ in range(3):
            await publisher.publish(event(7))
    finally:
        await broker.stop()
    info = await streams.jetstream().stream_info("MAIL")
    assert info.state.messages == 1
