"""What every durable consumer exports: how its deliveries were settled (counted by
`bus.Consumer` as it settles them) and its lag, read from JetStream's consumer info just
before a scrape."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from nats.js import JetStreamContext

from shared.runtime.metrics import Registry

# Why a delivery went back to JetStream unacknowledged.
NAK_REASONS = ("failed", "deferred", "stopping", "dead_letter_failed")


class ConsumerMetrics:
    def __init__(self, registry: Registry) -> None:
        self.deliveries = registry.counter(
            "bureau_consumer_deliveries_total",
            "Messages a durable consumer was handed, redeliveries included",
            ("consumer",),
        )
        self.redeliveries = registry.counter(
            "bureau_consumer_redeliveries_total",
            "Deliveries of a message JetStream had delivered before",
            ("consumer",),
        )
        self.acks = registry.counter(
            "bureau_consumer_acks_total",
            "Messages acknowledged after their work was done (dead letters not included)",
            ("consumer",),
        )
        self.naks = registry.counter(
            "bureau_consumer_naks_total",
            "Deliveries handed back for a later redelivery, by reason",
            ("consumer", "reason"),
        )
        self.dead_letters = registry.counter(
            "bureau_consumer_dead_letters_total",
            "Messages moved to deadletter.<subject> (failed for good or undecodable)",
            ("consumer",),
        )
        self.handle_seconds = registry.histogram(
            "bureau_consumer_handle_seconds",
            "Time a consumer's handler took on one delivery",
            ("consumer",),
        )
        self.pending = registry.gauge(
            "bureau_consumer_pending_messages",
            "Messages in the stream not yet delivered to the consumer (JetStream consumer info)",
            ("consumer",),
        )
        self.ack_pending = registry.gauge(
            "bureau_consumer_ack_pending_messages",
            "Messages delivered and not yet acknowledged: in hand, or waiting for a redelivery",
            ("consumer",),
        )
        self.redelivered = registry.gauge(
            "bureau_consumer_redelivered_messages",
            "Messages currently unacknowledged that were delivered more than once",
            ("consumer",),
        )

    def declare(self, durable: str) -> None:
        """Every series of a consumer at zero from the start, so rates exist at once."""
        for family in (self.deliveries, self.redeliveries, self.acks, self.dead_letters):
            family.declare(consumer=durable)
        self.naks.declare(consumer=durable, reason=NAK_REASONS)

    def nak(self, durable: str, reason: str) -> None:
        self.naks.inc(consumer=durable, reason=reason)


class Watched(Protocol):
    """What the lag refresh needs of a consumer (`bus.Consumer` has it)."""

    durable: str
    stream: str | None


async def refresh_lag(
    js: JetStreamContext, consumers: Iterable[Watched], metrics: ConsumerMetrics, timeout: float
) -> None:
    """Read each consumer's info (one cheap request each, all at once); a consumer whose
    info does not come loses its lag series rather than showing an old value."""
    pairs = sorted({(c.stream, c.durable) for c in consumers if c.stream is not None})

    async def one(stream: str, durable: str) -> None:
        try:
            info = await js.consumer_info(stream, durable, timeout=timeout)
        except Exception:
            for gauge in (metrics.pending, metrics.ack_pending, metrics.redelivered):
                gauge.remove(consumer=durable)
            raise
        metrics.pending.set(info.num_pending or 0, consumer=durable)
        metrics.ack_pending.set(info.num_ack_pending or 0, consumer=durable)
        metrics.redelivered.set(info.num_redelivered or 0, consumer=durable)

    results = await asyncio.gather(*(one(s, d) for s, d in pairs), return_exceptions=True)
    failed = [d for (_, d), r in zip(pairs, results, strict=True) if isinstance(r, BaseException)]
    if failed:
        raise RuntimeError(f"no consumer info for {', '.join(failed)}")
