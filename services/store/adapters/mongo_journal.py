"""Reading the change journal: an account's changes by modseq, and what the relay has
still to publish.

Entries are written in the transaction of their change (`mongo_batch`), so an entry is
visible exactly when its change is, and an account's entries commit in modseq order: a
reader that has seen modseq N never later meets an entry below N.
"""

from __future__ import annotations

from pymongo import ASCENDING

from services.store.adapters.mongo_schema import UNPUBLISHED_INDEX, Collections
from shared.events import MailboxChanged
from shared.ports.mailbox import BACKLOG_COUNT_LIMIT, JournalBacklog

_UNPUBLISHED = {"published": False}
_RELAY_ORDER = [("order", ASCENDING), ("account_id", ASCENDING), ("modseq", ASCENDING)]


async def changes_since(
    db: Collections, account_id: str, modseq: int, limit: int
) -> list[MailboxChanged]:
    if limit <= 0:  # pymongo reads limit(0) as "no limit"
        return []
    cursor = (
        db.journal.find({"account_id": account_id, "modseq": {"$gt": modseq}}, {"event": True})
        .sort("modseq", ASCENDING)
        .limit(limit)
    )
    return [MailboxChanged.model_validate(d["event"]) async for d in cursor]


async def unpublished(db: Collections, limit: int) -> list[MailboxChanged]:
    """In the order the batches committed, each account's entries by modseq: the relay
    publishes an account's changes in the order they were made."""
    if limit <= 0:
        return []
    cursor = (
        db.journal.find(_UNPUBLISHED, {"event": True})
        .sort(_RELAY_ORDER)
        .hint(UNPUBLISHED_INDEX)
        .limit(limit)
    )
    return [MailboxChanged.model_validate(d["event"]) async for d in cursor]


async def mark_published(db: Collections, change_ids: list[str]) -> None:
    if change_ids:
        await db.journal.update_many({"id": {"$in": change_ids}}, {"$set": {"published": True}})


async def backlog(db: Collections) -> JournalBacklog:
    # Both read the partial index of unpublished entries; the count stops at the limit.
    entries = await db.journal.count_documents(
        _UNPUBLISHED, limit=BACKLOG_COUNT_LIMIT, hint=UNPUBLISHED_INDEX
    )
    if not entries:
        return JournalBacklog(0, None)
    first = await db.journal.find_one(
        _UNPUBLISHED, {"at": True}, sort=_RELAY_ORDER, hint=UNPUBLISHED_INDEX
    )
    return JournalBacklog(entries, first["at"] if first is not None else None)
