"""Mailbox store on MongoDB (the distributed mode), through PyMongo's async client.

No multi-document transactions, so a standalone mongod works as well as a replica set.
Instead, each mutation is a short sequence of single-document writes ordered so that a
crash between any two of them leaves a state that the retry of the same event completes:
ids are derived from the event, inserts meet a unique index, and the journal entry is an
upsert that keeps the first write (see `deliver`).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError
from pymongo.write_concern import WriteConcern

from services.store.adapters.mongo_documents import (
    Doc,
    account_of,
    folder_of,
    folder_order,
    message_doc,
    now_ms,
    summary_of,
)
from shared.addresses import split
from shared.events import ChangeKind, MailboxChanged, derived_id
from shared.model import (
    SYSTEM_FOLDERS,
    Account,
    Delivery,
    Folder,
    FolderRole,
    MessageSummary,
    NewMessage,
    Page,
    StoredMessage,
)
from shared.ports.mailbox import AccountExists, NotFound

# A change is acknowledged once a majority holds it in its journal (on a standalone
# mongod: once it is in the local journal), as the bus does with JetStream.
_DURABLE = WriteConcern(w="majority", j=True)

_MAX_PARENTS = 100  # Message-IDs looked up for threading, nearest first

_LISTING_INDEX = "account_folder_date"
_COUNTS_INDEX = "account_folder_unread"
# What a folder listing leaves out of a message document.
_SUMMARY_ONLY = {
    f: False
    for f in ("headers", "text_body", "html_body", "attachments", "in_reply_to", "references")
}

_INDEXES: dict[str, list[IndexModel]] = {
    "accounts": [IndexModel([("address", ASCENDING)], unique=True, name="address")],
    "folders": [IndexModel([("account_id", ASCENDING), ("role", ASCENDING)], name="account_role")],
    "messages": [
        IndexModel(
            [("account_id", ASCENDING), ("event_id", ASCENDING)], unique=True, name="account_event"
        ),
        # Newest first; date_us and _id make the order total, so pages neither skip nor repeat.
        IndexModel(
            [
                ("account_id", ASCENDING),
                ("folder_id", ASCENDING),
                ("date", DESCENDING),
                ("date_us", DESCENDING),
                ("_id", ASCENDING),
            ],
            name=_LISTING_INDEX,
        ),
        # Covers the folder counts: they are counted from the index, never stored apart.
        IndexModel(
            [("account_id", ASCENDING), ("folder_id", ASCENDING), ("unread", ASCENDING)],
            name=_COUNTS_INDEX,
        ),
        IndexModel(
            [("account_id", ASCENDING), ("message_id_header", ASCENDING)], name="account_msgid"
        ),
    ],
    "journal": [
        IndexModel([("id", ASCENDING)], unique=True, name="id"),
        IndexModel([("published", ASCENDING), ("_id", ASCENDING)], name="published_created"),
        IndexModel(
            [("account_id", ASCENDING), ("modseq", ASCENDING)], unique=True, name="account_modseq"
        ),
    ],
}


class MongoMailboxStore:
    """`MailboxStore` on MongoDB: collections domains, accounts, folders, messages, journal."""

    def __init__(self, client: AsyncMongoClient[Doc], database: str) -> None:
        self._client = client
        db = client.get_database(database, write_concern=_DURABLE)
        self._domains: AsyncCollection[Doc] = db["domains"]
        self._accounts: AsyncCollection[Doc] = db["accounts"]
        self._folders: AsyncCollection[Doc] = db["folders"]
        self._messages: AsyncCollection[Doc] = db["messages"]
        self._journal: AsyncCollection[Doc] = db["journal"]

    @classmethod
    async def open(cls, uri: str, database: str) -> MongoMailboxStore:
        """Connect and create the indexes (idempotent: safe for every replica at start-up)."""
        client: AsyncMongoClient[Doc] = AsyncMongoClient(uri, tz_aware=True, tzinfo=UTC)
        store = cls(client, database)
        try:
            await store._create_indexes()
        except BaseException:
            await client.close()
            raise
        return store

    async def _create_indexes(self) -> None:
        db = self._accounts.database
        for name, indexes in _INDEXES.items():
            await db[name].create_indexes(indexes)

    async def close(self) -> None:
        await self._client.close()

    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        local, domain = split(address)
        normalized = f"{local}@{domain}"
        if await self._accounts.find_one({"address": normalized}, {"_id": True}) is not None:
            raise AccountExists(normalized)
        account = Account(
            id=uuid.uuid4().hex,
            address=normalized,
            password_hash=password_hash,
            created_at=now_ms(),
        )
        await _upsert(self._domains, {"_id": domain}, {"created_at": account.created_at})
        # Folders first, account last: the account becomes visible complete or not at all.
        await self._folders.insert_many(
            [
                {
                    "_id": derived_id(account.id, role.value),
                    "account_id": account.id,
                    "name": name,
                    "role": role.value,
                    "parent_id": None,
                }
                for role, name in SYSTEM_FOLDERS.items()
            ]
        )
        try:
            await self._accounts.insert_one(
                {
                    "_id": account.id,
                    "address": normalized,
                    "domain": domain,
                    "password_hash": password_hash,
                    "created_at": account.created_at,
                    "modseq": 0,
                }
            )
        except DuplicateKeyError:
            await self._folders.delete_many({"account_id": account.id})
            raise AccountExists(normalized) from None
        return account

    async def account_by_address(self, address: str) -> Account | None:
        doc = await self._accounts.find_one({"address": address.strip().lower()})
        return account_of(doc) if doc else None

    async def account(self, account_id: str) -> Account | None:
        doc = await self._accounts.find_one({"_id": account_id})
        return account_of(doc) if doc else None

    # --- folders --------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        docs, counts = await asyncio.gather(
            self._folders.find({"account_id": account_id}).to_list(), self._counts(account_id)
        )
        return sorted((folder_of(d, counts) for d in docs), key=folder_order)

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        doc = await self._folders.find_one({"_id": folder_id, "account_id": account_id})
        if doc is None:
            raise NotFound(f"folder {folder_id}")
        return folder_of(doc, await self._counts(account_id, folder_id))

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        doc = await self._folders.find_one({"account_id": account_id, "role": role.value})
        if doc is None:
            raise NotFound(f"folder {role.value}")
        return folder_of(doc, await self._counts(account_id, doc["_id"]))

    async def _require_folder(self, account_id: str, folder_id: str) -> None:
        found = await self._folders.find_one(
            {"_id": folder_id, "account_id": account_id}, {"_id": True}
        )
        if found is None:
            raise NotFound(f"folder {folder_id}")

    async def _counts(self, account_id: str, folder_id: str | None = None) -> dict[str, list[int]]:
        """{folder id: [total, unread]}, counted on the covering index."""
        match: Doc = {"account_id": account_id}
        if folder_id is not None:
            match["folder_id"] = folder_id
        cursor = await self._messages.aggregate(
            [
                {"$match": match},
                {"$group": {"_id": {"f": "$folder_id", "u": "$unread"}, "n": {"$sum": 1}}},
            ],
            hint=_COUNTS_INDEX,
        )
        counts: dict[str, list[int]] = {}
        async for row in cursor:
            total_unread = counts.setdefault(row["_id"]["f"], [0, 0])
            total_unread[0] += row["n"]
            if row["_id"]["u"]:
                total_unread[1] += row["n"]
        return counts

    # --- messages -------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        """Idempotent and crash-safe without transactions.

        1. The message id is derived from (account, event): every attempt computes the same.
        2. The account's next modseq is allocated before the insert, so the message is never
           visible without its modseq; an attempt that loses the insert race (or crashes
           here) only leaves a gap in the sequence, which modseq semantics allow (RFC 7162).
        3. Insert; a duplicate key means an earlier or concurrent attempt stored it.
        4. Journal upsert keyed by an id derived from (message, kind), `$setOnInsert`: every
           attempt, including a redelivery after a crash between 3 and 4, converges on one
           entry carrying the stored message's modseq.
        """
        message_id = derived_id(message.account_id, message.event_id)
        stored = await self._messages.find_one({"_id": message_id}, _SUMMARY_ONLY)
        created = False
        if stored is None:
            await self._require_folder(message.account_id, message.folder_id)
            parsed = message.parsed
            parents = list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))
            thread_id = await self._thread_of(message.account_id, parents[:_MAX_PARENTS])
            modseq = await self._next_modseq(message.account_id)
            doc = message_doc(message_id, message, thread_id or message_id, modseq)
            try:
                await self._messages.insert_one(doc)
                stored, created = doc, True
            except DuplicateKeyError:
                stored = await self._messages.find_one({"_id": message_id}, _SUMMARY_ONLY)
                if stored is None:  # the conflict was not on this message: a real error
                    raise
        await self._write_journal(ChangeKind.MESSAGE_ADDED, summary_of(stored))
        return Delivery(message_id=message_id, created=created)

    async def _next_modseq(self, account_id: str) -> int:
        doc = await self._accounts.find_one_and_update(
            {"_id": account_id},
            {"$inc": {"modseq": 1}},
            projection={"modseq": True},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"account {account_id}")
        return int(doc["modseq"])

    async def _thread_of(self, account_id: str, parents: list[str]) -> str | None:
        """The thread of the earliest stored message this one refers to (RFC 5322 §3.6.4)."""
        if not parents:
            return None
        doc = await self._messages.find_one(
            {"account_id": account_id, "message_id_header": {"$in": parents}},
            {"thread_id": True},
            sort=[("date", ASCENDING), ("date_us", ASCENDING)],
        )
        return str(doc["thread_id"]) if doc else None

    async def messages(
        self, account_id: str, folder_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        await self._require_folder(account_id, folder_id)
        where = {"account_id": account_id, "folder_id": folder_id}
        if limit <= 0:  # pymongo reads limit(0) as "no limit"
            return Page[MessageSummary](items=[], total=await self._messages.count_documents(where))
        cursor = (
            self._messages.find(where, _SUMMARY_ONLY)
            .sort([("date", DESCENDING), ("date_us", DESCENDING), ("_id", ASCENDING)])
            .hint(_LISTING_INDEX)
            .skip(max(offset, 0))
            .limit(limit)
        )
        docs, total = await asyncio.gather(
            cursor.to_list(), self._messages.count_documents(where, hint=_LISTING_INDEX)
        )
        return Page[MessageSummary](items=[summary_of(d) for d in docs], total=total)

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        doc = await self._messages.find_one({"_id": message_id, "account_id": account_id})
        if doc is None:
            raise NotFound(f"message {message_id}")
        return StoredMessage(
            **summary_of(doc).model_dump(),
            message_id=doc["message_id_header"],
            in_reply_to=doc["in_reply_to"],
            references=doc["references"],
            headers=[(name, value) for name, value in doc["headers"]],
            text_body=doc["text_body"],
            html_body=doc["html_body"],
            attachments=doc["attachments"],
        )

    # --- change journal -------------------------------------------------------------
    async def _write_journal(self, kind: ChangeKind, summary: MessageSummary) -> None:
        event = MailboxChanged(
            event_id=derived_id(summary.id, kind.value),
            account_id=summary.account_id,
            modseq=summary.modseq,
            kind=kind,
            message_id=summary.id,
            folder_id=summary.folder_id,
            message=summary if kind is not ChangeKind.MESSAGE_REMOVED else None,
            at=now_ms(),
        )
        # No `_id` here: the server generates an ObjectId on insert, increasing on one
        # primary, which gives `unpublished_changes` its order of creation.
        entry = {
            "account_id": event.account_id,
            "modseq": event.modseq,
            "kind": kind.value,
            "message_id": event.message_id,
            "published": False,
            "at": event.at,
            "event": event.model_dump(mode="json"),
        }
        await _upsert(self._journal, {"id": event.event_id}, entry)

    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        if limit <= 0:
            return []
        cursor = (
            self._journal.find({"published": False}, {"event": True})
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [MailboxChanged.model_validate(d["event"]) async for d in cursor]

    async def mark_published(self, change_ids: list[str]) -> None:
        if change_ids:
            await self._journal.update_many(
                {"id": {"$in": change_ids}}, {"$set": {"published": True}}
            )

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        if limit <= 0:
            return []
        cursor = (
            self._journal.find(
                {"account_id": account_id, "modseq": {"$gt": modseq}}, {"event": True}
            )
            .sort("modseq", ASCENDING)
            .limit(limit)
        )
        return [MailboxChanged.model_validate(d["event"]) async for d in cursor]


async def _upsert(collection: AsyncCollection[Doc], key: Doc, fields: Doc) -> None:
    """Insert `fields` under `key` unless a document has it already (the first write wins)."""
    try:
        await collection.update_one(key, {"$setOnInsert": fields}, upsert=True)
    except DuplicateKeyError:
        # Two upserts raced on the unique key and the other inserted first, which is the
        # outcome we want; any other unique index conflict is a real error.
        if await collection.find_one(key, {"_id": True}) is None:
            raise
