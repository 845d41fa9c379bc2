"""Mailbox store on MongoDB (the distributed mode), through PyMongo's async client.

The mail methods (folders, messages, flags and tags, Trash, quota, the journal) are the
mailbox core's (`services.store.core.Mailboxes`), over `MongoBackend`: the core decides,
the backend reads and writes each change in one transaction, which needs a replica set
(`open` refuses a standalone server). The rest (accounts, senders, filters, automation,
uploads, searches) are single-document writes, in the `mongo_*` modules beside this one;
this class only hands each call over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.write_concern import WriteConcern

from services.store.adapters import (
    mongo_accounts,
    mongo_automation,
    mongo_filters,
    mongo_idempotency,
    mongo_searches,
    mongo_senders,
    mongo_uploads,
)
from services.store.adapters.mongo_backend import MongoBackend
from services.store.adapters.mongo_batch import ensure_transactions
from services.store.adapters.mongo_documents import Doc, account_of
from services.store.adapters.mongo_migrations import migrate
from services.store.adapters.mongo_schema import Collections
from services.store.core.directory import lookup_key
from services.store.core.mailboxes import Mailboxes
from shared.filters import Filter, FilterFields
from shared.model import (
    Account,
    IdempotencyClaim,
    Identity,
    IdentityFields,
    Plan,
    Preferences,
    Profile,
    ReceiptRequest,
    TagLimits,
    Upload,
)

# A write is acknowledged once a majority holds it in its journal, as the bus does with
# JetStream (the transactions of `mongo_batch` ask the same).
_DURABLE = WriteConcern(w="majority", j=True)


class MongoMailboxStore(Mailboxes):
    """`MailboxStore` on MongoDB; the collections are listed in `mongo_schema`."""

    def __init__(
        self, client: AsyncMongoClient[Doc], database: str, limits: TagLimits | None = None
    ) -> None:
        self._client = client
        self._db = Collections.of(client.get_database(database, write_concern=_DURABLE))
        super().__init__(MongoBackend(client, self._db), limits)

    @classmethod
    async def open(
        cls, uri: str, database: str, *, limits: TagLimits | None = None
    ) -> MongoMailboxStore:
        """Connect, check that the server runs transactions (`NotAReplicaSet` if not),
        create the indexes and migrate documents of earlier releases (both idempotent:
        safe for every replica at start-up)."""
        client: AsyncMongoClient[Doc] = AsyncMongoClient(uri, tz_aware=True, tzinfo=UTC)
        store = cls(client, database, limits)
        try:
            await ensure_transactions(client)
            await store._db.create_indexes()
            await migrate(store._db)
        except BaseException:
            await client.close()
            raise
        return store

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
        found = await self._db.domains.find_one({"_id": lookup_key(domain)}, {"_id": True})
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
