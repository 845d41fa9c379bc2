"""The bus adapter: JetStream streams, publishing with acknowledgement, and settled consumers.

Every consumer here acks explicitly: after its work is durable (ack), on failure with a
growing delay (nak), or, once a message has failed `max_deliver` times or cannot be
decoded at all, by moving it to `deadletter.<subject>` with its error (then ack).
Consumers that retry without a delivery count (outbound, channels: their handlers bound
their own retries in time) give up the same way once `expired(event)` says the event is
past its time. No message is dropped silently and no consumer dies on bad data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import nats.errors
import nats.js.errors
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from pydantic import ValidationError

from shared.events import DeadLetter, Event
from shared.ports.bus import PublishError
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.streams import ALL_STREAMS, DISCARD, STORAGE, StreamSpec

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[E], Awaitable[None]]


class Defer(Exception):
    """Raised by a handler for an event that is not due yet: redeliver it after `delay`
    seconds. Not a failure: it neither logs as one nor counts towards dead-lettering."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"deferred by {delay:.1f}s")
        self.delay = max(0.0, delay)


class IdleFetchFilter(logging.Filter):
    """Demotes to DEBUG one harmless ERROR record of FastStream's pull loop.

    nats-py (since 2.15, nats-io/nats.py#934) ends a fetch whose time ran out before it
    was sent with a plain `asyncio.TimeoutError`, where FastStream 0.7 only expects
    `nats.errors.TimeoutError`; FastStream's supervisor then restarts the loop — nothing
    is lost or delayed — but logs "raised an exception, retrying" with a traceback, once
    per consumer, typically on a loaded start. Any other exception stays an ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if type(exc) is TimeoutError and "raised an exception, retrying" in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def nats_servers(url: str) -> list[str]:
    """The servers of `BUREAU_NATS_URL`: one URL, or several separated by commas (a
    cluster's nodes, as `deploy/k8s` documents it), spaces allowed around them."""
    servers = [part.strip() for part in url.split(",") if part.strip()]
    if not servers:
        raise ValueError("BUREAU_NATS_URL names no server")
    return servers


def make_broker(url: str, name: str) -> NatsBroker:
    """A FastStream broker that reconnects forever (a service outlives NATS restarts).
    `url` is one server or a comma-separated list of them."""
    logger = logging.getLogger(f"bureau.bus.{name}")
    if not any(isinstance(f, IdleFetchFilter) for f in logger.filters):
        logger.addFilter(IdleFetchFilter())
    return NatsBroker(
        nats_servers(url),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        logger=logger,
        log_level=logging.DEBUG,
    )


def _stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        retention=spec.retention,
        storage=STORAGE,
        discard=DISCARD,
        max_age=spec.max_age,
        duplicate_window=spec.duplicate_window,
        num_replicas=replicas,
    )


# What a bus not ready yet raises: no server reachable, a request timing out while a
# fresh cluster elects its JetStream leaders, "JetStream system temporarily unavailable".
NOT_READY_ERRORS: tuple[type[BaseException], ...] = (nats.errors.Error, TimeoutError, OSError)

T = TypeVar("T")


async def with_retries(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    budget: float,
    undo: Callable[[], Awaitable[None]] | None = None,
    first_delay: float = 0.5,
    max_delay: float = 10.0,
) -> T:
    """`attempt()` until it succeeds, waiting twice as long after each failure (up to
    `max_delay`), for at most `budget` seconds: a pod starts alongside its NATS cluster.
    Each failure is one warning line (it is expected while the cluster forms) and
    `undo()` runs before the next attempt; past the budget the last error is raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    delay = first_delay
    while True:
        try:
            return await attempt()
        except NOT_READY_ERRORS as exc:
            if loop.time() + delay > deadline:
                log.error("%s: bus still not ready after %.0fs: %s", what, budget, _describe(exc))
                raise
            log.warning("%s: bus not ready (%s); retrying in %.1fs", what, _describe(exc), delay)
        if undo is not None:
            with contextlib.suppress(Exception):
                await undo()
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def ensure_streams(
    js: JetStreamContext, specs: tuple[StreamSpec, ...], replicas: int = 1
) -> None:
    """Create each stream, or bring an existing one to its current definition."""
    for spec in specs:
        config = _stream_config(spec, replicas)
        try:
            await js.stream_info(spec.name)
        except nats.js.errors.NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


class JetStreamPublisher:
    """Publishes events and returns only once JetStream has stored them (PubAck)."""

    def __init__(self, broker: NatsBroker) -> None:
        self._broker = broker

    async def publish(self, event: Event, subject: str | None = None) -> None:
        subject = subject or event.SUBJECT
        payload = event.model_dump_json().encode()
        for attempt in range(IN_PROCESS_RETRIES + 1):
            try:
                # With `stream=` FastStream publishes through JetStream and waits for the
                # PubAck; a timeout, or no stream taking the subject, raises.
                await self._broker.publish(
                    payload,
                    subject,
                    stream=_stream_of(subject),
                    headers={"Nats-Msg-Id": event.event_id, "content-type": "application/json"},
                    timeout=10.0,
                )
                return
            except nats.js.errors.APIError as exc:
                if not _in_process(exc) or attempt == IN_PROCESS_RETRIES:
                    raise PublishError(f"publish to {subject} failed: {_describe(exc)}") from exc
                # Another publisher (a second relay) is storing this very id: once it is
                # stored, the same publish gets a duplicate PubAck, which is our proof.
                await asyncio.sleep(0.02 * 2**attempt)
            except Exception as exc:  # any failure means "not durable"
                raise PublishError(f"publish to {subject} failed: {_describe(exc)}") from exc


# Retries of a publish whose message id another publisher has in process (about 2.5 s).
IN_PROCESS_RETRIES = 7


def _in_process(exc: nats.js.errors.APIError) -> bool:
    """JetStream's 409 "duplicate message id is in process": the same `Nats-Msg-Id`
    published at the same moment by someone else, not yet stored."""
    return exc.code == 409 and "duplicate message id" in (exc.description or "")


def _stream_of(subject: str) -> str:
    for spec in ALL_STREAMS:
        for pattern in spec.subjects:
            if pattern == subject or (pattern.endswith(".>") and subject.startswith(pattern[:-1])):
                return spec.name
    raise ValueError(f"no stream holds subject {subject!r}")


class Consumer:
    """Settles each delivery of one durable consumer: ack, nak with backoff, or dead-letter."""

    def __init__(
        self,
        broker: NatsBroker,
        *,
        model: type[E],
        handler: Handler[E],
        durable: str,
        max_deliver: int | None,
        describe: str,
        ack_wait: float = 30.0,
        expired: Callable[[Any], bool] | None = None,
        stream: str | None = None,
        metrics: ConsumerMetrics | None = None,
    ) -> None:
        self._broker = broker
        self._ack_wait = ack_wait
        self._in_flight: set[asyncio.Future[None]] = set()
        self._closing = False
        self._model = model
        self._handler: Handler[Any] = handler
        self.durable = durable
        self.max_deliver = max_deliver
        self._expired = expired
        self._describe = describe
        self.stream = stream  # the stream it reads, for its lag (consumer info)
        self._metrics = metrics
        if metrics is not None:
            metrics.declare(durable)

    def _count_nak(self, reason: str) -> None:
        if self._metrics is not None:
            self._metrics.nak(self.durable, reason)

    async def __call__(self, msg: NatsMessage) -> None:
        if self._closing:
            # Stopping: hand it back at once, for another replica or the next start.
            await msg.nack()
            self._count_nak("stopping")
            return
        # The work runs in a task of its own: should the broker cancel this call, the
        # message in hand is still finished and settled, and `drain` waits for it.
        work = asyncio.ensure_future(self._settle(msg))
        self._in_flight.add(work)
        work.add_done_callback(self._in_flight.discard)
        await asyncio.shield(work)

    async def drain(self, timeout: float) -> None:
        """Take no more messages, and wait until every one in hand is settled (at most
        `timeout` seconds)."""
        self._closing = True
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout)

    async def _settle(self, msg: NatsMessage) -> None:
        deliveries = _deliveries(msg)
        if self._metrics is not None:
            self._metrics.deliveries.inc(consumer=self.durable)
            if deliveries > 1:
                self._metrics.redeliveries.inc(consumer=self.durable)
        try:
            event = self._model.model_validate_json(msg.body)
        except ValidationError as exc:
            await self._dead_letter(msg, deliveries, f"undecodable event: {exc}")
            return
        if self.max_deliver is not None and deliveries > self.max_deliver:
            # Delivered again although it already failed max_deliver times: the consumer
            # process died while handling it (a poison message); do not try once more.
            await self._dead_letter(msg, deliveries, "exceeded max deliveries without an outcome")
            return
        try:
            await self._handle_alive(event, msg)
        except Defer as defer:
            await msg.nack(delay=defer.delay)
            self._count_nak("deferred")
            return
        except Exception as exc:  # noqa: BLE001 - every failure gets an explicit outcome
            if self._gives_up(event, deliveries):
                log.error("%s: %s failed for good: %s", self._describe, event.event_id, exc)
                await self._dead_letter(msg, deliveries, f"{type(exc).__name__}: {exc}")
            else:
                delay = min(0.2 * 2 ** (deliveries - 1), 30.0)
                log.warning(
                    "%s: %s failed (delivery %d), retrying in %.1fs: %s",
                    self._describe,
                    event.event_id,
                    deliveries,
                    delay,
                    exc,
                )
                await msg.nack(delay=delay)
                self._count_nak("failed")
            return
        await msg.ack()
        if self._metrics is not None:
            self._metrics.acks.inc(consumer=self.durable)

    def _gives_up(self, event: Event, deliveries: int) -> bool:
        """Whether a failed delivery is the last: `max_deliver` reached, or, for a
        consumer without one, the event past its time (`expired`)."""
        if self.max_deliver is not None:
            return deliveries >= self.max_deliver
        return self._expired is not None and self._expired(event)

    async def _handle_alive(self, event: Event, msg: NatsMessage) -> None:
        """Run the handler, telling JetStream the work goes on (in-progress) every half
        ack-wait, so a slow handler keeps its message while a dead one loses it quickly."""
        started = time.monotonic()
        work = asyncio.ensure_future(self._handler(event))
        try:
            while True:
                done, _ = await asyncio.wait({work}, timeout=self._ack_wait / 2)
                if done:
                    return work.result()
                with contextlib.suppress(Exception):
                    await msg.in_progress()
        finally:
            if self._metrics is not None:
                self._metrics.handle_seconds.observe(
                    time.monotonic() - started, consumer=self.durable
                )

    async def _dead_letter(self, msg: NatsMessage, deliveries: int, error: str) -> None:
        subject = msg.raw_message.subject
        letter = DeadLetter(
            subject=subject,
            stream=_stream_of(subject),
            consumer=self.durable,
            deliveries=deliveries,
            error=error[:4000],
            payload=msg.body.decode("utf-8", "replace"),
            headers={k: str(v) for k, v in (msg.headers or {}).items()},
            at=datetime.now(UTC),
        )
        try:
            await self._broker.publish(
                letter.model_dump_json().encode(),
                DeadLetter.subject_for(subject),
                stream="DEADLETTER",
                timeout=10.0,
            )
        except Exception as exc:  # noqa: BLE001 - any failure: leave the message for redelivery
            # Not parked: leave it for redelivery rather than lose it.
            log.error("%s: dead-letter publish failed, will retry: %s", self._describe, exc)
            await msg.nack(delay=5.0)
            self._count_nak("dead_letter_failed")
            return
        log.error("%s: moved to %s: %s", self._describe, DeadLetter.subject_for(subject), error)
        await msg.ack()
        if self._metrics is not None:
            self._metrics.dead_letters.inc(consumer=self.durable)


def _deliveries(msg: NatsMessage) -> int:
    try:
        return int(msg.raw_message.metadata.num_delivered)
    except Exception:  # noqa: BLE001 - in-memory test brokers carry no JetStream metadata
        return 1


def subscribe(
    broker: NatsBroker,
    *,
    subject: str,
    stream: StreamSpec,
    durable: str,
    model: type[E],
    handler: Handler[E],
    max_deliver: int | None,
    workers: int = 1,
    ack_wait: float = 60.0,
    expired: Callable[[E], bool] | None = None,
    metrics: ConsumerMetrics | None = None,
) -> Consumer:
    """Register `handler` as a durable pull consumer shared by every replica of a service.

    `max_deliver=None` retries failures (with backoff, at most 30 s apart) for as long as
    `expired(event)` is false: for handlers that bound their own retries in time, as
    outbound does with its retry period, so that an outage of a store does not exhaust a
    delivery count, while an event that can never succeed still ends as a dead letter."""
    consumer = Consumer(
        broker,
        model=model,
        handler=handler,
        durable=durable,
        max_deliver=max_deliver,
        describe=f"{durable}@{subject}",
        ack_wait=ack_wait,
        expired=expired,
        stream=stream.name,
        metrics=metrics,
    )
    config = ConsumerConfig(ack_wait=ack_wait, max_ack_pending=max(64, workers * 16))

    async def on_message(msg: NatsMessage) -> None:
        await consumer(msg)

    extra: dict[str, Any] = {"max_workers": workers} if workers > 1 else {}
    broker.subscriber(
        subject,
        stream=JStream(stream.name, declare=False),
        durable=durable,
        pull_sub=PullSub(batch_size=min(workers, 32) if workers > 1 else 16, timeout=1.0),
        config=config,
        ack_policy=AckPolicy.MANUAL,
        **extra,
    )(on_message)
    return consumer
