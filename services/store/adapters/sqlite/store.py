"""Mailbox store on SQLite (the embedded default).

Each mutation is one write transaction that also journals the change, so a change and
its `mailbox.changed` event cannot diverge. The SQL lives in the modules beside this one,
by concern; this class only opens transactions and hands them over.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from services.store.adapters.sqlite import (
    accounts,
    automation,
    changes,
    delivery,
    folders,
    idempotency,
    listing,
    rows,
    senders,
    submissions,
    trash,
)
from services.store.adapters.sqlite import filters as filter_rows
from services.store.adapters.sqlite import tags as tags_rows
from services.store.adapters.sqlite.schema import migrate
from shared.events import MailboxChanged
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
from shared.ports.mailbox import BACKLOG_COUNT_LIMIT, JournalBacklog, NotFound, Refused
from shared.sqlite import SqliteDatabase


class SqliteMailboxStore:
    def __init__(self, db: SqliteDatabase, limits: TagLimits | None = None) -> None:
        self._db = db
        self._limits = limits or TagLimits()

    @classmethod
    async def open(cls, path: Path, *, limits: TagLimits | None = None) -> SqliteMailboxStore:
        db = SqliteDatabase(path, migrate)
        await db.open()
        return cls(db, limits)

    @property
    def tag_limits(self) -> TagLimits:
        return self._limits

    async def close(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self._db.ping()

    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        return await self._db.transaction(lambda c: accounts.create(c, address, password_hash))

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
                "SELECT 1 FROM domains WHERE name = ?", (domain.strip().lower(),)
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

    # --- folders --------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        return await self._db.run(lambda c: folders.listing(c, account_id))

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        def read(c: sqlite3.Connection) -> Folder:
            tree = folders.Tree(c, account_id)
            return rows.folder(tree.get(folder_id), tree.unread_below(folder_id))

        return await self._db.run(read)

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM folders WHERE account_id = ? AND role = ?", (account_id, role.value)
            ).fetchone()
        )
        if row is None:
            raise NotFound(f"folder {role.value}")
        return rows.folder(row)

    async def create_folder(self, account_id: str, name: str, parent_id: str | None) -> Folder:
        return await self._db.transaction(lambda c: folders.create(c, account_id, name, parent_id))

    async def rename_folder(self, account_id: str, folder_id: str, name: str) -> Folder:
        return await self._db.transaction(lambda c: folders.rename(c, account_id, folder_id, name))

    async def move_folder(self, account_id: str, folder_id: str, parent_id: str | None) -> Folder:
        return await self._db.transaction(
            lambda c: folders.move(c, account_id, folder_id, parent_id)
        )

    async def delete_folder(self, account_id: str, folder_id: str) -> Folder:
        return await self._db.transaction(lambda c: folders.to_trash(c, account_id, folder_id))

    # --- messages -------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        # What the filters put on arriving mail is trimmed to the bound, never refused.
        if len(message.tags) > self._limits.per_message:
            kept = list(dict.fromkeys(message.tags))[: self._limits.per_message]
            message = message.model_copy(update={"tags": kept})
        return await self._db.transaction(lambda c: delivery.deliver(c, message))

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
        return await self._db.run(
            lambda c: listing.folder_page(
                c,
                account_id,
                folder_id,
                offset=offset,
                limit=limit,
                sort=sort,
                descending=descending,
                unread_only=unread_only,
            )
        )

    async def tagged(
        self, account_id: str, tag_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        def read(c: sqlite3.Connection) -> Page[MessageSummary]:
            tag = tags_rows.get(c, account_id, tag_id)
            return listing.tag_page(c, account_id, tag.name, offset=offset, limit=limit)

        return await self._db.run(read)

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        return await self._db.run(lambda c: listing.message(c, account_id, message_id))

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]:
        return await self._db.run(lambda c: listing.folder_uids(c, account_id, folder_id))

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool:
        return await self._db.run(
            lambda c: listing.unread_before(c, account_id, folder_id, message_id)
        )

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]:
        return await self._db.run(lambda c: listing.thread_keys(c, account_id, folder_id))

    async def select(self, account_id: str, selection: Selection) -> list[str]:
        return await self._db.run(lambda c: changes.select(c, account_id, selection))

    async def set_flags(
        self, account_id: str, selection: Selection, change: FlagChange
    ) -> list[str]:
        return await self._db.transaction(
            lambda c: changes.set_flags(
                c, account_id, changes.select(c, account_id, selection), change
            )
        )

    async def change_flags(
        self, account_id: str, selection: Selection, flags: FlagChange, tags: TagChange
    ) -> list[str]:
        return await self._db.transaction(
            lambda c: tags_rows.change(
                c, account_id, changes.select(c, account_id, selection), flags, tags, self._limits
            )
        )

    async def move_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        def write(c: sqlite3.Connection) -> list[str]:
            folders.Tree(c, account_id).get(folder_id)
            return changes.move(c, changes.select(c, account_id, selection), folder_id)

        return await self._db.transaction(write)

    async def copy_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        def write(c: sqlite3.Connection) -> list[str]:
            folders.Tree(c, account_id).get(folder_id)
            ids = changes.select(c, account_id, selection)
            size = sum(delivery.load(c, i).size for i in ids)
            if not accounts.quota(c, account_id).admits(size):
                raise Refused("mailbox full: the copies do not fit in the quota")
            trash.make_room(c, account_id, size)
            return [delivery.copy(c, i, folder_id) for i in ids]

        return await self._db.transaction(write)

    async def trash_messages(self, account_id: str, selection: Selection) -> list[str]:
        return await self._db.transaction(
            lambda c: changes.trash(c, account_id, changes.select(c, account_id, selection))[0]
        )

    async def restore_messages(self, account_id: str, selection: Selection) -> list[str]:
        return await self._db.transaction(
            lambda c: changes.restore(c, account_id, changes.select(c, account_id, selection))
        )

    async def destroy_messages(self, account_id: str, selection: Selection) -> Removal:
        return await self._db.transaction(
            lambda c: changes.destroy(c, account_id, changes.select(c, account_id, selection))
        )

    async def empty_trash(self, account_id: str) -> Removal:
        return await self._db.transaction(lambda c: trash.empty(c, account_id))

    async def purge_trash(self, account_id: str, older_than: datetime) -> Removal:
        return await self._db.transaction(lambda c: trash.purge(c, account_id, older_than))

    async def make_room(self, account_id: str, needed_bytes: int) -> Removal:
        return await self._db.transaction(lambda c: trash.make_room(c, account_id, needed_bytes))

    # --- tags and comments -----------------------------------------------------------
    async def tags(self, account_id: str) -> list[Tag]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM tags WHERE account_id = ? ORDER BY name", (account_id,)
            ).fetchall()
        )
        return [rows.tag(r) for r in found]

    async def create_tag(self, account_id: str, name: str, color: str) -> Tag:
        return await self._db.transaction(
            lambda c: tags_rows.create(c, account_id, name, color, self._limits)
        )

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> Tag:
        return await self._db.transaction(
            lambda c: tags_rows.set_color(c, account_id, tag_id, color)
        )

    async def delete_tag(self, account_id: str, tag_id: str) -> None:
        await self._db.transaction(lambda c: tags_rows.delete(c, account_id, tag_id))

    async def tag_messages(
        self, account_id: str, selection: Selection, tag_id: str, *, add: bool
    ) -> list[str]:
        return await self._db.transaction(
            lambda c: tags_rows.apply(
                c, account_id, changes.select(c, account_id, selection), tag_id, add, self._limits
            )
        )

    async def set_comment(self, account_id: str, message_id: str, comment: str | None) -> None:
        await self._db.transaction(
            lambda c: changes.set_comment(c, account_id, message_id, comment)
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

    async def quota(self, account_id: str) -> Quota:
        return await self._db.run(lambda c: accounts.quota(c, account_id))

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

    async def settle_receipt(
        self, account_id: str, message_id: str, state: Literal["sent", "dismissed"]
    ) -> str | None:
        return await self._db.transaction(
            lambda c: automation.settle_receipt(c, account_id, message_id, state)
        )

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

    # --- change journal -------------------------------------------------------------
    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT event FROM journal WHERE published = 0 ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        )
        return [MailboxChanged.model_validate_json(r["event"]) for r in found]

    async def mark_published(self, change_ids: list[str]) -> None:
        if change_ids:
            await self._db.transaction(
                lambda c: c.executemany(
                    "UPDATE journal SET published = 1 WHERE id = ?", [(i,) for i in change_ids]
                )
            )

    async def journal_backlog(self) -> JournalBacklog:
        def read(c: sqlite3.Connection) -> JournalBacklog:
            # The partial index of unpublished entries answers both, bounded.
            row = c.execute(
                "SELECT count(*), min(seq) FROM"
                " (SELECT seq FROM journal WHERE published = 0 ORDER BY seq LIMIT ?)",
                (BACKLOG_COUNT_LIMIT,),
            ).fetchone()
            if not row[0]:
                return JournalBacklog(0, None)
            first = c.execute("SELECT event FROM journal WHERE seq = ?", (row[1],)).fetchone()
            return JournalBacklog(row[0], MailboxChanged.model_validate_json(first[0]).at)

        return await self._db.run(read)

    async def highest_modseq(self, account_id: str) -> int:
        def read(c: sqlite3.Connection) -> int:
            # The counter moves in the transaction that writes the journal entry.
            row = c.execute("SELECT modseq FROM accounts WHERE id = ?", (account_id,)).fetchone()
            if row is None:
                raise NotFound(f"account {account_id}")
            return int(row["modseq"])

        return await self._db.run(read)

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT event FROM journal WHERE account_id = ? AND modseq > ?"
                " ORDER BY modseq LIMIT ?",
                (account_id, modseq, limit),
            ).fetchall()
        )
        return [MailboxChanged.model_validate_json(r["event"]) for r in found]

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
            return not changes.blob_in_use(c, blob_id)

        return await self._db.transaction(settle)
