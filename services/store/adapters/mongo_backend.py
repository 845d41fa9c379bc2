"""The mailbox core's backend on MongoDB: it persists, the core decides.

`snapshot` reads what a change needs (the account and its plan, then its folders, the
messages asked for and its tags), `apply` writes a batch in one transaction
(`mongo_batch`), and the range reads are those of `mongo_listing` and `mongo_journal`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from services.store.adapters import mongo_batch, mongo_journal, mongo_listing
from services.store.adapters.mongo_documents import (
    SUMMARY_ONLY,
    Doc,
    earlier_than,
    folder_order,
    folder_record_of,
    optional_time,
    plan_of,
    read_time,
    record_of,
)
from services.store.adapters.mongo_schema import DATE_INDEX, Collections
from services.store.core.backend import AccountState, Batch, MessageRecord, Snapshot
from shared.events import MailboxChanged
from shared.model import (
    MessageSummary,
    Page,
    SortKey,
    StoredMessage,
    Tag,
    ThreadKey,
    UidEntry,
)
from shared.ports.mailbox import Conflict, JournalBacklog, NotFound


class MongoBackend:
    """`MailBackend` over the store's collections."""

    def __init__(self, client: AsyncMongoClient[Doc], db: Collections) -> None:
        self._client = client
        self._db = db

    # --- what a change reads -----------------------------------------------------------
    async def snapshot(
        self,
        account_id: str,
        *,
        message_ids: Sequence[str] = (),
        tags: bool = False,
        event_id: str | None = None,
        parents: Sequence[str] = (),
    ) -> Snapshot:
        """Two trips: the account with its plan, then everything else side by side. The
        account comes first, so that a change committed while the rest is read leaves this
        snapshot behind the account's modseq, and its batch is refused: a snapshot whose
        batch passes the precondition was read as one."""
        db = self._db
        account = await _account(db, account_id)
        folders, messages, found_tags, delivered, thread_id = await asyncio.gather(
            db.folders.find({"account_id": account_id}).to_list(),
            _messages(db, account_id, list(dict.fromkeys(message_ids))),
            mongo_listing.tags(db, account_id) if tags else _none(),
            _delivered(db, account_id, event_id),
            _thread_of(db, account_id, parents),
        )
        plan = plan_of(account["plans"][0]) if account.get("plans") else None
        state = AccountState(
            account_id=account_id,
            modseq=int(account.get("modseq", 0)),
            uidvalidity=int(account.get("uidvalidity", 0)),
            used_bytes=int(account.get("used_bytes", 0)),
            plan=account.get("plan"),
            limit_bytes=plan.storage_bytes if plan else None,
        )
        return Snapshot(
            account=state,
            folders=[folder_record_of(d) for d in sorted(folders, key=folder_order)],
            messages={m.id: m for m in messages},
            tags=found_tags,
            delivered=delivered,
            thread_id=thread_id,
        )

    async def folder_messages(
        self, account_id: str, folder_ids: Sequence[str], *, before: datetime | None = None
    ) -> list[str]:
        if not folder_ids:
            return []
        where: Doc = {"account_id": account_id, "folder_id": {"$in": list(folder_ids)}}
        if before is not None:
            where.update(earlier_than("date", before))
        order = [("date", ASCENDING), ("date_us", ASCENDING), ("_id", ASCENDING)]
        cursor = self._db.messages.find(where, {"_id": True}).sort(order)
        if len(folder_ids) == 1:
            cursor = cursor.hint(DATE_INDEX)
        return [d["_id"] async for d in cursor]

    async def carrying(self, account_id: str, tag_name: str) -> list[str]:
        cursor = self._db.messages.find({"account_id": account_id, "tags": tag_name}, {"_id": 1})
        return [d["_id"] async for d in cursor]

    async def trashed_order(self, account_id: str, folder_ids: Sequence[str]) -> list[str]:
        """First trashed first: the message's own time, else its folder's (deleted into
        Trash with it), else its arrival; then by id."""
        if not folder_ids:
            return []
        db = self._db
        folders = {
            d["_id"]: optional_time(d, "trashed_at")
            async for d in db.folders.find(
                {"account_id": account_id, "_id": {"$in": list(folder_ids)}},
                {"trashed_at": True, "trashed_at_us": True},
            )
        }
        fields = ("folder_id", "trashed_at", "trashed_at_us", "received_at", "received_at_us")
        found = db.messages.find(
            {"account_id": account_id, "folder_id": {"$in": list(folder_ids)}},
            dict.fromkeys(fields, True),
        )
        keyed: list[tuple[datetime, str]] = []
        async for doc in found:
            when = optional_time(doc, "trashed_at") or folders.get(doc["folder_id"])
            keyed.append((when or read_time(doc, "received_at"), str(doc["_id"])))
        return [message_id for _, message_id in sorted(keyed)]

    async def pending_receipt(
        self, account_id: str, message_id: str
    ) -> tuple[str, list[str]] | None:
        """A receipt is one per received message: its copies (same Message-ID header)
        share it, and settling it settles theirs."""
        db = self._db
        doc = await db.messages.find_one(
            {"_id": message_id, "account_id": account_id},
            {"receipt": True, "receipt_to": True, "message_id_header": True},
        )
        if doc is None:
            raise NotFound(f"message {message_id}")
        if doc.get("receipt") != "pending" or not doc.get("receipt_to"):
            return None
        header = doc.get("message_id_header")
        group: Doc = {"message_id_header": header} if header else {"_id": message_id}
        found = db.messages.find(
            {"account_id": account_id, "receipt": "pending", **group}, {"_id": True}
        )
        return str(doc["receipt_to"]), [d["_id"] async for d in found]

    # --- writes ------------------------------------------------------------------------
    async def apply(self, batch: Batch) -> None:
        await mongo_batch.apply(self._client, self._db, batch)

    async def put_tag(self, tag: Tag) -> None:
        doc = {"_id": tag.id, "account_id": tag.account_id, "name": tag.name, "color": tag.color}
        try:
            await self._db.tags.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict(f"a tag named {tag.name!r} exists") from exc

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> None:
        done = await self._db.tags.update_one(
            {"_id": tag_id, "account_id": account_id}, {"$set": {"color": color}}
        )
        if done.matched_count == 0:
            raise NotFound(f"tag {tag_id}")

    # --- listing and range reads -------------------------------------------------------
    async def folder_page(
        self,
        account_id: str,
        folder_id: str,
        *,
        offset: int,
        limit: int,
        sort: SortKey,
        descending: bool,
        unread_only: bool,
    ) -> Page[MessageSummary]:
        return await mongo_listing.folder_page(
            self._db,
            account_id,
            folder_id,
            offset=offset,
            limit=limit,
            sort=sort,
            descending=descending,
            unread_only=unread_only,
        )

    async def tag_page(
        self, account_id: str, tag_name: str, *, offset: int, limit: int
    ) -> Page[MessageSummary]:
        return await mongo_listing.tag_page(
            self._db, account_id, tag_name, offset=offset, limit=limit
        )

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        return await mongo_listing.message(self._db, account_id, message_id)

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]:
        return await mongo_listing.folder_uids(self._db, account_id, folder_id)

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool:
        return await mongo_listing.unread_before(self._db, account_id, folder_id, message_id)

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]:
        return await mongo_listing.thread_keys(self._db, account_id, folder_id)

    async def tags(self, account_id: str) -> list[Tag]:
        return await mongo_listing.tags(self._db, account_id)

    async def changes_since(self, account_id: str, modseq: int, limit: int) -> list[MailboxChanged]:
        return await mongo_journal.changes_since(self._db, account_id, modseq, limit)

    async def unpublished_changes(self, limit: int) -> list[MailboxChanged]:
        return await mongo_journal.unpublished(self._db, limit)

    async def mark_published(self, change_ids: list[str]) -> None:
        await mongo_journal.mark_published(self._db, change_ids)

    async def journal_backlog(self) -> JournalBacklog:
        return await mongo_journal.backlog(self._db)


async def _account(db: Collections, account_id: str) -> Doc:
    pipeline: list[Doc] = [
        {"$match": {"_id": account_id}},
        {"$project": dict.fromkeys(("modseq", "uidvalidity", "used_bytes", "plan"), True)},
        {"$lookup": {"from": "plans", "localField": "plan", "foreignField": "_id", "as": "plans"}},
    ]
    found = await (await db.accounts.aggregate(pipeline)).to_list()
    if not found:
        raise NotFound(f"account {account_id}")
    return found[0]


async def _messages(db: Collections, account_id: str, ids: list[str]) -> list[MessageRecord]:
    if not ids:
        return []
    cursor = db.messages.find({"_id": {"$in": ids}, "account_id": account_id}, SUMMARY_ONLY)
    return [record_of(d) async for d in cursor]


async def _none() -> None:
    return None


async def _delivered(db: Collections, account_id: str, event_id: str | None) -> str | None:
    if event_id is None:
        return None
    doc = await db.messages.find_one(
        {"account_id": account_id, "event_id": event_id}, {"_id": True}
    )
    return str(doc["_id"]) if doc else None


async def _thread_of(db: Collections, account_id: str, parents: Sequence[str]) -> str | None:
    """RFC 5322 §3.6.4: the thread of the earliest message (by Date) this one refers to."""
    if not parents:
        return None
    doc = await db.messages.find_one(
        {"account_id": account_id, "message_id_header": {"$in": list(parents)}},
        {"thread_id": True},
        sort=[("date", ASCENDING), ("date_us", ASCENDING), ("_id", ASCENDING)],
    )
    return str(doc["thread_id"]) if doc else None
