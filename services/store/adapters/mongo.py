"""Mailbox store on MongoDB (the distributed mode), through PyMongo's async client.

No multi-document transactions, so a standalone mongod works as well as a replica set.
Instead, each mutation is a short sequence of single-document writes ordered so that a
crash between any two of them leaves a state that a retry, or the next change of the
account, completes: ids are derived from the event, inserts meet a unique index, and a
changed document carries its pending journal entry until the entry is written (see
`mongo_journal`). The work is split by concern into the `mongo_*` modules beside this
one; this class only hands each call over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError
from pymongo.write_concern import WriteConcern

from services.store.adapters import (
    mongo_accounts,
    mongo_automation,
    mongo_changes,
    mongo_filters,
    mongo_folders,
    mongo_idempotency,
    mongo_listing,
    mongo_searches,
    mongo_senders,
    mongo_tags,
    mongo_trash,
    mongo_uploads,
)
from services.store.adapters.mongo_documents import (
    SUMMARY_ONLY,
    Doc,
    account_of,
    message_doc,
)
from services.store.adapters.mongo_journal import (
    allocate_modseqs,
    allocate_uids,
    heal,
    settle_messages,
)
from services.store.adapters.mongo_migrations import migrate
from services.store.adapters.mongo_schema import Collections
from shared.events import MailboxChanged, derived_id
from shared.filters import Filter, FilterFields
from shared.model import (
    Account,
    Delivery,
    FlagChange,
    Folder,
    FolderRole,
    IdempotencyClaim,
    Identity,
    IdentityFields,
    MessageSummary,
    NewMessage,
    Page,
    Plan,
    Preferences,
    Profile,
    Quota,
    ReceiptRequest,
    Removal,
    Selection,
    SortKey,
    StoredMessage,
    Tag,
    TagChange,
    TagLimits,
    ThreadKey,
    UidEntry,
    Upload,
)
from shared.ports.mailbox import (
    BACKLOG_COUNT_LIMIT,
    JournalBacklog,
    NotFound,
    Refused,
)

# A change is acknowledged once a majority holds it in its journal (on a standalone
# mongod: once it is in the local journal), as the bus does with JetStream.
_DURABLE = WriteConcern(w="majority", j=True)

_MAX_PARENTS = 100  # Message-IDs looked up for threading, nearest first


class MongoMailboxStore:
    """`MailboxStore` on MongoDB; the collections are listed in `mongo_schema`."""

    def __init__(
        self, client: AsyncMongoClient[Doc], database: str, limits: TagLimits | None = None
    ) -> None:
        self._client = client
        self._db = Collections.of(client.get_database(database, write_concern=_DURABLE))
        self._limits = limits or TagLimits()

    @classmethod
    async def open(
        cls, uri: str, database: str, *, limits: TagLimits | None = None
    ) -> MongoMailboxStore:
        """Connect, create the indexes and migrate documents of earlier releases (both
        idempotent: safe for every replica at start-up)."""
        client: AsyncMongoClient[Doc] = AsyncMongoClient(uri, tz_aware=True, tzinfo=UTC)
        store = cls(client, database, limits)
        try:
            await store._db.create_indexes()
            await migrate(store._db)
        except BaseException:
            await client.close()
            raise
        return store

    @property
    def tag_limits(self) -> TagLimits:
        return self._limits

    async def close(self) -> None:
        await self._client.close()

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        return await mongo_accounts.create(self._db, address, password_hash)

    async def account_by_address(self, address: str) -> Account | None:
        return await mongo_senders.by_address(self._db, address)

    async def account(self, account_id: str) -> Account | None:
        doc = await self._db.accounts.find_one({"_id": account_id})
        return account_of(doc) if doc else None

    async def hosts_domain(self, domain: str) -> bool:
        found = await self._db.domains.find_one({"_id": domain.strip().lower()}, {"_id": True})
        return found is not None

    async def first_account(self, domain: str | None = None) -> Account | None:
        return await mongo_accounts.first(self._db, domain)

    async def accounts(self, *, after: str | None = None, limit: int = 500) -> list[Account]:
        return await mongo_accounts.page(self._db, after, limit)

    # --- aliases and sending rights ---------------------------------------------------
    async def add_alias(self, account_id: str, address: str) -> None:
        await mongo_senders.add_alias(self._db, account_id, address)

    async def remove_alias(self, account_id: str, address: str) -> None:
        await mongo_senders.remove_alias(self._db, account_id, address)

    async def aliases(self, account_id: str) -> list[str]:
        return await mongo_senders.aliases(self._db, account_id)

    async def set_external_senders(self, account_id: str, allowed: bool) -> None:
        await mongo_senders.set_external_senders(self._db, account_id, allowed)

    async def set_submission_blocked(self, account_id: str, blocked: bool) -> None:
        await mongo_senders.set_submission_blocked(self._db, account_id, blocked)

    async def account_plan(self, account_id: str) -> Plan | None:
        return await mongo_accounts.account_plan(self._db, account_id)

    # --- profile and identities -------------------------------------------------------
    async def profile(self, account_id: str) -> Profile:
        return await mongo_senders.profile(self._db, account_id)

    async def set_profile(self, account_id: str, profile: Profile) -> Profile:
        return await mongo_senders.set_profile(self._db, account_id, profile)

    async def identities(self, account_id: str) -> list[Identity]:
        return await mongo_senders.identities(self._db, account_id)

    async def identity(self, account_id: str, identity_id: str) -> Identity:
        return await mongo_senders.identity(self._db, account_id, identity_id)

    async def create_identity(self, account_id: str, fields: IdentityFields) -> Identity:
        return await mongo_senders.create_identity(self._db, account_id, fields)

    async def update_identity(
        self, account_id: str, identity_id: str, fields: IdentityFields
    ) -> Identity:
        return await mongo_senders.update_identity(self._db, account_id, identity_id, fields)

    async def delete_identity(self, account_id: str, identity_id: str) -> None:
        await mongo_senders.delete_identity(self._db, account_id, identity_id)

    # --- sending limits and uploads ---------------------------------------------------
    async def admit_submission(
        self, account_id: str, event_id: str, at: datetime, *, since: datetime, limit: int | None
    ) -> bool:
        return await mongo_uploads.admit(self._db, account_id, event_id, at, since, limit)

    async def claim_idempotency_key(
        self,
        account_id: str,
        key: str,
        digest: str,
        event_id: str,
        now: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyClaim:
        return await mongo_idempotency.claim(
            self._db, account_id, key, digest, event_id, now, expired_before
        )

    async def answer_idempotency_key(self, account_id: str, key: str, answer: str) -> None:
        await mongo_idempotency.answer(self._db, account_id, key, answer)

    async def release_idempotency_key(self, account_id: str, key: str) -> None:
        await mongo_idempotency.release(self._db, account_id, key)

    async def add_upload(self, upload: Upload) -> Upload:
        return await mongo_uploads.add_upload(self._db, upload)

    async def upload(self, account_id: str, upload_id: str) -> Upload:
        return await mongo_uploads.upload(self._db, account_id, upload_id)

    async def expire_uploads(self, created_before: datetime, limit: int = 500) -> int:
        return await mongo_uploads.expire_uploads(self._db, created_before, limit)

    # --- folders --------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        return await mongo_folders.listing(self._db, account_id)

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        return await mongo_folders.one(self._db, account_id, folder_id)

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        doc = await self._db.folders.find_one(
            {"account_id": account_id, "role": role.value}, {"_id": True}
        )
        if doc is None:
            raise NotFound(f"folder {role.value}")
        return await mongo_folders.one(self._db, account_id, doc["_id"])

    async def create_folder(self, account_id: str, name: str, parent_id: str | None) -> Folder:
        return await mongo_folders.create(self._db, account_id, name, parent_id)

    async def rename_folder(self, account_id: str, folder_id: str, name: str) -> Folder:
        return await mongo_folders.rename(self._db, account_id, folder_id, name)

    async def move_folder(self, account_id: str, folder_id: str, parent_id: str | None) -> Folder:
        return await mongo_folders.move(self._db, account_id, folder_id, parent_id)

    async def delete_folder(self, account_id: str, folder_id: str) -> Folder:
        return await mongo_folders.to_trash(self._db, account_id, folder_id)

    # --- messages -------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        """Idempotent and crash-safe without transactions.

        1. The message id is derived from (account, event): every attempt computes the same.
        2. A UID in the folder (which also proves the folder exists) and the account's next
           modseq are reserved before the insert, so the message is never visible without
           them; an attempt that loses the insert race (or crashes here) leaves gaps, which
           UIDs and modseqs allow.
        3. Insert, carrying its pending journal entry; a duplicate key means an earlier or
           concurrent attempt stored it.
        4. Settle: upsert the journal entry (id derived from message, kind and modseq), then
           clear the mark. A redelivery after a crash between 3 and 4 finds the mark and
           settles it; one after 4 finds nothing to do.
        """
        db = self._db
        if len(message.tags) > self._limits.per_message:  # trimmed, arriving mail is kept
            kept = list(dict.fromkeys(message.tags))[: self._limits.per_message]
            message = message.model_copy(update={"tags": kept})
        message_id = derived_id(message.account_id, message.event_id)
        stored = await db.messages.find_one({"_id": message_id}, SUMMARY_ONLY)
        created = False
        if stored is None:
            uid = await allocate_uids(db, message.account_id, message.folder_id, 1)
            parsed = message.parsed
            parents = list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))
            thread_id = await self._thread_of(message.account_id, parents[:_MAX_PARENTS])
            modseq = await allocate_modseqs(db, message.account_id, 1)
            doc = message_doc(message_id, message, thread_id or message_id, modseq, uid)
            try:
                await db.messages.insert_one(doc)
                stored, created = doc, True
            except DuplicateKeyError:
                stored = await db.messages.find_one({"_id": message_id}, SUMMARY_ONLY)
                if stored is None:  # the conflict was not on this message: a real error
                    raise
        if "pending" in stored:
            await settle_messages(db, [stored])
        return Delivery(message_id=message_id, created=created)

    async def _thread_of(self, account_id: str, parents: list[str]) -> str | None:
        """The thread of the earliest stored message this one refers to (RFC 5322 §3.6.4)."""
        if not parents:
            return None
        doc = await self._db.messages.find_one(
            {"account_id": account_id, "message_id_header": {"$in": parents}},
            {"thread_id": True},
            sort=[("date", ASCENDING), ("date_us", ASCENDING)],
        )
        return str(doc["thread_id"]) if doc else None

    async def messages(
        self,
        account_id: str,
        folder_id: str,
        *,
        offset: int = 0,
        limit: int = 50,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        unread_only: bool = False,
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

    async def tagged(
        self, account_id: str, tag_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        return await mongo_listing.tag_page(
            self._db, account_id, tag_id, offset=offset, limit=limit
        )

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        return await mongo_listing.message(self._db, account_id, message_id)

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]:
        return await mongo_listing.thread_keys(self._db, account_id, folder_id)

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]:
        return await mongo_listing.folder_uids(self._db, account_id, folder_id)

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool:
        return await mongo_listing.unread_before(self._db, account_id, folder_id, message_id)

    # --- message changes ------------------------------------------------------------
    async def select(self, account_id: str, selection: Selection) -> list[str]:
        return await mongo_changes.select(self._db, account_id, selection)

    async def set_flags(
        self, account_id: str, selection: Selection, change: FlagChange
    ) -> list[str]:
        ids = await self.select(account_id, selection)
        return await mongo_changes.set_flags(self._db, account_id, ids, change)

    async def change_flags(
        self, account_id: str, selection: Selection, flags: FlagChange, tags: TagChange
    ) -> list[str]:
        ids = await self.select(account_id, selection)
        return await mongo_tags.change(self._db, account_id, ids, flags, tags, self._limits)

    async def move_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        ids = await self.select(account_id, selection)
        return await mongo_changes.move_to(self._db, account_id, ids, folder_id)

    async def copy_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        await mongo_changes.require_folder(self._db, account_id, folder_id)
        ids = await self.select(account_id, selection)
        size = await mongo_changes.total_size(self._db, account_id, ids)
        if not (await self.quota(account_id)).admits(size):
            raise Refused("mailbox full: the copies do not fit in the quota")
        await mongo_trash.make_room(self._db, account_id, size)
        return await mongo_changes.copy(self._db, account_id, ids, folder_id)

    async def trash_messages(self, account_id: str, selection: Selection) -> list[str]:
        ids = await self.select(account_id, selection)
        return await mongo_changes.trash(self._db, account_id, ids)

    async def restore_messages(self, account_id: str, selection: Selection) -> list[str]:
        ids = await self.select(account_id, selection)
        return await mongo_changes.restore(self._db, account_id, ids)

    async def destroy_messages(self, account_id: str, selection: Selection) -> Removal:
        ids = await self.select(account_id, selection)
        return await mongo_changes.remove(self._db, account_id, ids)

    async def empty_trash(self, account_id: str) -> Removal:
        return await mongo_trash.empty(self._db, account_id)

    async def purge_trash(self, account_id: str, older_than: datetime) -> Removal:
        return await mongo_trash.purge(self._db, account_id, older_than)

    async def make_room(self, account_id: str, needed_bytes: int) -> Removal:
        return await mongo_trash.make_room(self._db, account_id, needed_bytes)

    # --- tags and comments -----------------------------------------------------------
    async def tags(self, account_id: str) -> list[Tag]:
        return await mongo_tags.listing(self._db, account_id)

    async def create_tag(self, account_id: str, name: str, color: str) -> Tag:
        return await mongo_tags.create(self._db, account_id, name, color, self._limits)

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> Tag:
        await mongo_listing.tag(self._db, account_id, tag_id)
        await self._db.tags.update_one({"_id": tag_id}, {"$set": {"color": color}})
        return await mongo_listing.tag(self._db, account_id, tag_id)

    async def delete_tag(self, account_id: str, tag_id: str) -> None:
        await mongo_tags.delete(self._db, account_id, tag_id)

    async def tag_messages(
        self, account_id: str, selection: Selection, tag_id: str, *, add: bool
    ) -> list[str]:
        await mongo_listing.tag(self._db, account_id, tag_id)  # NotFound before the selection
        ids = await self.select(account_id, selection)
        return await mongo_tags.apply(self._db, account_id, ids, tag_id, add, self._limits)

    async def set_comment(self, account_id: str, message_id: str, comment: str | None) -> None:
        await mongo_changes.set_comment(self._db, account_id, message_id, comment)

    # --- preferences, plans, quota ---------------------------------------------------
    async def preferences(self, account_id: str) -> Preferences:
        return await mongo_accounts.preferences(self._db, account_id)

    async def set_preferences(self, account_id: str, preferences: Preferences) -> Preferences:
        return await mongo_accounts.set_preferences(self._db, account_id, preferences)

    async def set_plan(self, plan: Plan) -> Plan:
        return await mongo_accounts.set_plan(self._db, plan)

    async def plans(self) -> list[Plan]:
        return await mongo_accounts.plans(self._db)

    async def assign_plan(self, account_id: str, plan_name: str | None) -> None:
        await mongo_accounts.assign_plan(self._db, account_id, plan_name)

    async def quota(self, account_id: str) -> Quota:
        return await mongo_accounts.quota(self._db, account_id)

    # --- filters (F25-F27) -------------------------------------------------------------
    async def filters(self, account_id: str) -> list[Filter]:
        return await mongo_filters.listing(self._db, account_id)

    async def create_filter(
        self, account_id: str, fields: FilterFields, position: int | None = None
    ) -> Filter:
        return await mongo_filters.create(self._db, account_id, fields, position)

    async def update_filter(self, account_id: str, filter_id: str, fields: FilterFields) -> Filter:
        return await mongo_filters.update(self._db, account_id, filter_id, fields)

    async def delete_filter(self, account_id: str, filter_id: str) -> None:
        await mongo_filters.delete(self._db, account_id, filter_id)

    async def reorder_filters(self, account_id: str, filter_ids: list[str]) -> list[Filter]:
        return await mongo_filters.reorder(self._db, account_id, filter_ids)

    async def replace_filters(self, account_id: str, filters: list[FilterFields]) -> list[Filter]:
        return await mongo_filters.replace(self._db, account_id, filters)

    # --- automation state (F24, F48, F56, F57) -------------------------------------------
    async def claim_once(
        self, account_id: str, key: str, now: datetime, *, every: timedelta | None = None
    ) -> bool:
        return await mongo_automation.claim_once(self._db, account_id, key, now, every)

    async def release_once(self, account_id: str, prefix: str) -> int:
        return await mongo_automation.release_once(self._db, account_id, prefix)

    async def debit_sms(self, account_id: str, parts: int, now: datetime) -> bool:
        return await mongo_automation.debit_sms(self._db, account_id, parts, now)

    async def sms_used(self, account_id: str, now: datetime) -> int:
        return await mongo_automation.sms_used(self._db, account_id, now)

    async def receipt_requests(self, account_id: str) -> list[ReceiptRequest]:
        return await mongo_automation.receipt_requests(self._db, account_id)

    async def settle_receipt(
        self, account_id: str, message_id: str, state: Literal["sent", "dismissed"]
    ) -> str | None:
        return await mongo_automation.settle_receipt(self._db, account_id, message_id, state)

    # --- recent searches (F32) ---------------------------------------------------------
    async def remember_search(self, account_id: str, query: str, *, keep: int = 5) -> None:
        await mongo_searches.remember(self._db, account_id, query, keep)

    async def recent_searches(self, account_id: str) -> list[str]:
        return await mongo_searches.recent(self._db, account_id)

    async def subscriptions(self, account_id: str) -> list[str]:
        return await mongo_searches.subscriptions(self._db, account_id)

    async def set_subscribed(self, account_id: str, name: str, subscribed: bool) -> None:
        await mongo_searches.set_subscribed(self._db, account_id, name, subscribed)

    # --- blobs no message refers to ---------------------------------------------------
    async def orphan_blobs(self, limit: int = 500) -> list[tuple[str, datetime]]:
        if limit <= 0:
            return []
        cursor = (
            self._db.orphan_blobs.find()
            .sort([("since", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [(d["_id"], d["since"]) async for d in cursor]

    async def settle_orphan(self, blob_id: str) -> bool:
        # Off the list first: a removal that orphans the blob again after this re-records it.
        await self._db.orphan_blobs.delete_one({"_id": blob_id})
        return not await mongo_uploads.blob_in_use(self._db, blob_id)

    # --- change journal -------------------------------------------------------------
    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        if limit <= 0:
            return []
        await heal(self._db)  # journal what a crash left unjournaled, before reading
        cursor = (
            self._db.journal.find({"published": False}, {"event": True})
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [MailboxChanged.model_validate(d["event"]) async for d in cursor]

    async def mark_published(self, change_ids: list[str]) -> None:
        if change_ids:
            await self._db.journal.update_many(
                {"id": {"$in": change_ids}}, {"$set": {"published": True}}
            )

    async def journal_backlog(self) -> JournalBacklog:
        # Both read the (published, _id) index; the count stops at the limit.
        waiting = {"published": False}
        entries = await self._db.journal.count_documents(waiting, limit=BACKLOG_COUNT_LIMIT)
        if not entries:
            return JournalBacklog(0, None)
        first = await self._db.journal.find_one(waiting, {"at": True}, sort=[("_id", ASCENDING)])
        return JournalBacklog(entries, first["at"] if first is not None else None)

    async def highest_modseq(self, account_id: str) -> int:
        # The journal's, not the account's counter: a modseq is reserved before its entry
        # is written, and a reader must not skip an entry still to come.
        if await self._db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
            raise NotFound(f"account {account_id}")
        latest = await self._db.journal.find_one(
            {"account_id": account_id}, {"modseq": True}, sort=[("modseq", DESCENDING)]
        )
        return int(latest["modseq"]) if latest else 0

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        if limit <= 0:
            return []
        cursor = (
            self._db.journal.find(
                {"account_id": account_id, "modseq": {"$gt": modseq}}, {"event": True}
            )
            .sort("modseq", ASCENDING)
            .limit(limit)
        )
        return [MailboxChanged.model_validate(d["event"]) async for d in cursor]
