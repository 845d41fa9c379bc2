"""Relays the change journal to the bus: each unpublished entry goes to
`mailbox.changed.<account>` with `Nats-Msg-Id` = its id, then is marked published.

The journal is written in the same transaction as the change, so a crash between the
two steps only means an entry is published again (deduplicated by JetStream inside its
window, and harmless to idempotent consumers after it), never that a change is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.store.metrics import StoreMetrics
from shared.events import MailboxChanged
from shared.ports.bus import EventPublisher, PublishError
from shared.ports.outbox import Outbox
from shared.runtime.background import Background

log = logging.getLogger(__name__)


class JournalRelay:
    def __init__(
        self,
        mailbox: Outbox,
        publisher: EventPublisher,
        *,
        poll: float = 0.1,
        metrics: StoreMetrics | None = None,
    ) -> None:
        self._mailbox = mailbox
        self._publisher = publisher
        self._poll = poll
        self._metrics = metrics
        self._wake = asyncio.Event()
        self._task = Background("journal-relay", self._run)

    # Changes made by other processes (the gateway) are found by polling: the query reads
    # a partial index of unpublished entries, so a poll every 100 ms costs next to nothing.

    def wake(self) -> None:
        """A change was just journaled: publish without waiting for the next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch of pending entries; returns how many were published."""
        pending = await self._mailbox.unpublished_changes()
        published: list[str] = []
        try:
            for change in pending:
                await self._publisher.publish(change, MailboxChanged.subject_for(change.account_id))
                published.append(change.event_id)
        finally:
            await self._mailbox.mark_published(published)
            if self._metrics is not None:
                self._metrics.published.inc(len(published))
        return len(published)

    async def _run(self) -> None:
        while True:
            try:
                while await self.relay_once():
                    pass
            except PublishError as exc:  # the bus is down or failing: the next round retries
                log.warning("journal relay: %s; retrying", exc)
            except Exception:  # the store failing is no expected condition: keep the trace
                log.exception("journal relay failed, retrying")
                if self._metrics is not None:
                    self._metrics.relay_failures.inc()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()

    def start(self) -> None:
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()
        with contextlib.suppress(Exception):
            await self.relay_once()
