"""Outbox role of the mailbox store: the journal entries the store service's relay has
yet to publish to `mailbox.changed.<account>` (see `services/store/relay.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from shared.events import MailboxChanged

BACKLOG_COUNT_LIMIT = 100_000  # a journal backlog is counted up to this, no further


class JournalBacklog(NamedTuple):
    entries: int
    oldest_at: datetime | None  # None when nothing waits


class Outbox(Protocol):
    """The journal as the relay sees it: entries not yet published, across accounts."""

    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        """Journal entries not yet relayed to the bus, oldest first."""
        ...

    async def mark_published(self, change_ids: list[str]) -> None: ...

    async def journal_backlog(self) -> JournalBacklog:
        """How many journal entries wait for the relay (counted up to `BACKLOG_COUNT_LIMIT`),
        and when the oldest of them was written: the relay's lag, for the metrics."""
        ...
