"""Mailbox store on SQLite (the embedded default).

The mail methods (folders, messages, tags, quota, the journal) are the mailbox core's
(`Mailboxes`) over `SqliteBackend`: every change and its journal entries are one write
transaction, so a change and its `mailbox.changed` event cannot diverge. The rest
(accounts, senders, submissions, filters, automation…) is SQL in the modules beside
this one, by concern; this class only opens transactions and hands them over.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.store.adapters.sqlite import (
    accounts,
    automation,
    idempotency,
    rows,
    senders,
    submissions,
    writes,
)
from services.store.adapters.sqlite import filters as filter_rows
from services.store.adapters.sqlite.backend import SqliteBackend
from services.store.adapters.sqlite.schema import migrate
from services.store.core.accounts import new_account
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
from shared.runtime.sqlite import SqliteDatabase


class SqliteMailboxStore(Mailboxes):
    def __init__(self, db: SqliteDatabase, limits: TagLimits | None = None) -> None:
        super().__init__(SqliteBackend(db), limits)
        self._db = db

    @classmethod
    async def open(cls, path: Path, *, limits: TagLimits | None = None) -> SqliteMailboxStore:
        db = SqliteDatabase(path, migrate)
        await db.open()
        return cls(db, limits)

    async def close(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self._db.ping()

    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        new = new_account(address, password_hash, datetime.now(UTC))
        return await self._db.transaction(lambda c: accounts.create(c, new))

    async def account_by_address(self, address: str) -> Account | None:
        return await self._db.run(lambda c: senders.by_address(c, address))

    async def account(self, account_id: str) -> Account | None:
        row = await self._db.run(
            lambda c: c.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        )
        return rows.account(row) if row else None

    async def hosts_domain(self, domain: str) -> bool:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT 1 FROM domains WHERE name = ?", (lookup_key(domain),)
            ).fetchone()
        )
        return row is not None

    async def first_account(self, domain: str | None = None) -> Account | None:
        return await self._db.run(lambda c: accounts.first(c, domain))

    async def accounts(self, *, after: str | None = None, limit: int = 500) -> list[Account]:
        return await self._db.run(lambda c: accounts.page(c, after, limit))

    # --- aliases and sending rights ---------------------------------------------------
    async def add_alias(self, account_id: str, address: str) -> None:
        await self._db.transaction(lambda c: senders.add_alias(c, account_id, address))

    async def remove_alias(self, account_id: str, address: str) -> None:
        await self._db.transaction(lambda c: senders.remove_alias(c, account_id, address))

    async def aliases(self, account_id: str) -> list[str]:
        return await self._db.run(lambda c: senders.aliases(c, account_id))

    async def set_external_senders(self, account_id: str, allowed: bool) -> None:
        await self._db.transaction(lambda c: senders.set_external_senders(c, account_id, allowed))

    async def set_submission_blocked(self, account_id: str, blocked: bool) -> None:
        await self._db.transaction(lambda c: senders.set_submission_blocked(c, account_id, blocked))

    async def account_plan(self, account_id: str) -> Plan | None:
        return await self._db.run(lambda c: accounts.account_plan(c, account_id))

    # --- profile and identities -------------------------------------------------------
    async def profile(self, account_id: str) -> Profile:
        return await self._db.run(lambda c: senders.profile(c, account_id))

    async def set_profile(self, account_id: str, profile: Profile) -> Profile:
        return await self._db.transaction(lambda c: senders.set_profile(c, account_id, profile))

    async def identities(self, account_id: str) -> list[Identity]:
        return await self._db.run(lambda c: senders.identities(c, account_id))

    async def identity(self, account_id: str, identity_id: str) -> Identity:
        return await self._db.run(lambda c: senders.identity(c, account_id, identity_id))

    async def create_identity(self, account_id: str, fields: IdentityFields) -> Identity:
        return await self._db.transaction(lambda c: senders.create_identity(c, account_id, fields))

    async def update_identity(
        self, account_id: str, identity_id: str, fields: IdentityFields
    ) -> Identity:
        return await self._db.transaction(
            lambda c: senders.update_identity(c, account_id, identity_id, fields)
        )

    async def delete_identity(self, account_id: str, identity_id: str) -> None:
        await self._db.transaction(lambda c: senders.delete_identity(c, account_id, identity_id))

    # --- sending limits and uploads ---------------------------------------------------
    async def admit_submission(
        self, account_id: str, event_id: str, at: datetime, *, since: datetime, limit: int | None
    ) -> bool:
        return await self._db.transaction(
            lambda c: submissions.admit(c, account_id, event_id, at, since, limit)
        )

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
        return await self._db.transaction(
            lambda c: idempotency.claim(c, account_id, key, digest, event_id, now, expired_before)
        )

    async def answer_idempotency_key(self, account_id: str, key: str, answer: str) -> None:
        await self._db.transaction(lambda c: idempotency.answer(c, account_id, key, answer))

    async def release_idempotency_key(self, account_id: str, key: str) -> None:
        await self._db.transaction(lambda c: idempotency.release(c, account_id, key))

    async def add_upload(self, upload: Upload) -> Upload:
        return await self._db.transaction(lambda c: submissions.add_upload(c, upload))

    async def upload(self, account_id: str, upload_id: str) -> Upload:
        return await self._db.run(lambda c: submissions.upload(c, account_id, upload_id))

    async def expire_uploads(self, created_before: datetime, limit: int = 500) -> int:
        return await self._db.transaction(
            lambda c: submissions.expire_uploads(c, created_before, limit)
        )

    # --- preferences, plans, quota ---------------------------------------------------
    async def preferences(self, account_id: str) -> Preferences:
        return await self._db.run(lambda c: accounts.preferences(c, account_id))

    async def set_preferences(self, account_id: str, preferences: Preferences) -> Preferences:
        return await self._db.transaction(
            lambda c: accounts.set_preferences(c, account_id, preferences)
        )

    async def set_plan(self, plan: Plan) -> Plan:
        return await self._db.transaction(lambda c: accounts.set_plan(c, plan))

    async def plans(self) -> list[Plan]:
        return await self._db.run(accounts.plans)

    async def assign_plan(self, account_id: str, plan_name: str | None) -> None:
        await self._db.transaction(lambda c: accounts.assign_plan(c, account_id, plan_name))

    # --- filters ---------------------------------------------------------------------
    async def filters(self, account_id: str) -> list[Filter]:
        return await self._db.run(lambda c: filter_rows.listing(c, account_id))

    async def create_filter(
        self, account_id: str, fields: FilterFields, position: int | None = None
    ) -> Filter:
        return await self._db.transaction(
            lambda c: filter_rows.create(c, account_id, fields, position)
        )

    async def update_filter(self, account_id: str, filter_id: str, fields: FilterFields) -> Filter:
        return await self._db.transaction(
            lambda c: filter_rows.update(c, account_id, filter_id, fields)
        )

    async def delete_filter(self, account_id: str, filter_id: str) -> None:
        await self._db.transaction(lambda c: filter_rows.delete(c, account_id, filter_id))

    async def reorder_filters(self, account_id: str, filter_ids: list[str]) -> list[Filter]:
        return await self._db.transaction(lambda c: filter_rows.reorder(c, account_id, filter_ids))

    async def replace_filters(self, account_id: str, filters: list[FilterFields]) -> list[Filter]:
        return await self._db.transaction(lambda c: filter_rows.replace(c, account_id, filters))

    # --- automation state ------------------------------------------------------------
    async def claim_once(
        self, account_id: str, key: str, now: datetime, *, every: timedelta | None = None
    ) -> bool:
        if await self._db.run(lambda c: automation.claimed(c, account_id, key, now, every)):
            return False  # refused without taking the write lock; granted only under it
        return await self._db.transaction(
            lambda c: automation.claim_once(c, account_id, key, now, every)
        )

    async def release_once(self, account_id: str, prefix: str) -> int:
        return await self._db.transaction(lambda c: automation.release_once(c, account_id, prefix))

    async def debit_sms(self, account_id: str, parts: int, now: datetime) -> bool:
        return await self._db.transaction(lambda c: automation.debit_sms(c, account_id, parts, now))

    async def sms_used(self, account_id: str, now: datetime) -> int:
        return await self._db.run(lambda c: automation.sms_used(c, account_id, now))

    async def receipt_requests(self, account_id: str) -> list[ReceiptRequest]:
        return await self._db.run(lambda c: automation.receipt_requests(c, account_id))

    # --- recent searches -------------------------------------------------------------
    async def subscriptions(self, account_id: str) -> list[str]:
        return await self._db.run(lambda c: accounts.subscriptions(c, account_id))

    async def set_subscribed(self, account_id: str, name: str, subscribed: bool) -> None:
        await self._db.transaction(
            lambda c: accounts.set_subscribed(c, account_id, name, subscribed)
        )

    async def remember_search(self, account_id: str, query: str, *, keep: int = 5) -> None:
        await self._db.transaction(lambda c: accounts.remember_search(c, account_id, query, keep))

    async def recent_searches(self, account_id: str) -> list[str]:
        return await self._db.run(lambda c: accounts.recent_searches(c, account_id))

    # --- orphan blobs ---------------------------------------------------------------
    async def orphan_blobs(self, limit: int = 500) -> list[tuple[str, datetime]]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT blob_id, since FROM orphan_blobs ORDER BY since LIMIT ?", (limit,)
            ).fetchall()
        )
        return [(r["blob_id"], rows.dt(r["since"])) for r in found]

    async def settle_orphan(self, blob_id: str) -> bool:
        def settle(c: sqlite3.Connection) -> bool:
            c.execute("DELETE FROM orphan_blobs WHERE blob_id = ?", (blob_id,))
            return not writes.blob_in_use(c, blob_id)

        return await self._db.transaction(settle)
