"""The store service's metrics: deliveries, the journal relay (published, and the backlog
waiting for it: how many entries and how old the oldest), and housekeeping removals."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.ports.outbox import Outbox
from shared.runtime.metrics import Registry

HOUSEKEEPING_KINDS = ("trash_messages", "uploads", "blobs")


class StoreMetrics:
    def __init__(self, registry: Registry) -> None:
        self.deliveries = registry.counter(
            "bureau_store_deliveries_total",
            "mail.deliver events handled: `stored` wrote the message, `duplicate` found it"
            " written by an earlier delivery",
            ("result",),
        )
        self.deliveries.declare(result=("stored", "duplicate"))
        self.published = registry.counter(
            "bureau_store_journal_published_total",
            "Change-journal entries the relay published to mailbox.changed.<account>",
        )
        self.relay_failures = registry.counter(
            "bureau_store_journal_relay_failures_total",
            "Relay rounds that stopped on an error (bus or store down); retried next round",
        )
        self.backlog = registry.gauge(
            "bureau_store_journal_unpublished_entries",
            "Change-journal entries waiting for the relay (read at scrape time)",
        )
        self.backlog_age = registry.gauge(
            "bureau_store_journal_oldest_unpublished_age_seconds",
            "How long the oldest entry waiting for the relay has waited; 0 when none waits",
        )
        self.removed = registry.counter(
            "bureau_store_housekeeping_removed_total",
            "What housekeeping removed: messages purged from Trash, uploads expired, blobs deleted",
            ("kind",),
        )
        self.removed.declare(kind=HOUSEKEEPING_KINDS)
        self.housekeeping_runs = registry.counter(
            "bureau_store_housekeeping_runs_total",
            "Housekeeping rounds, by result",
            ("result",),
        )
        self.housekeeping_runs.declare(result=("ok", "failed"))

    async def refresh_backlog(self, mailbox: Outbox) -> None:
        backlog = await mailbox.journal_backlog()
        self.backlog.set(backlog.entries)
        age = 0.0
        if backlog.oldest_at is not None:
            age = max(0.0, (datetime.now(UTC) - backlog.oldest_at).total_seconds())
        self.backlog_age.set(age)
