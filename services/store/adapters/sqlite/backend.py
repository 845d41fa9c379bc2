"""The mailbox core's `MailBackend` on SQLite: each read in one trip to the database
thread, each batch in one `BEGIN IMMEDIATE` transaction (its precondition first)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from services.store.adapters.sqlite import listing, reads, rows, writes
from services.store.core.backend import Batch, Snapshot
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
from shared.ports.mailbox import BACKLOG_COUNT_LIMIT, Conflict, JournalBacklog
from shared.runtime.sqlite import SqliteDatabase


class SqliteBackend:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    # --- what a change reads ----------------------------------------------------------
    async def snapshot(
        self,
        account_id: str,
        *,
        message_ids: Sequence[str] = (),
        tags: bool = False,
        event_id: str | None = None,
        parents: Sequence[str] = (),
    ) -> Snapshot:
        return await self._db.run(
            lambda c: reads.snapshot(c, account_id, message_ids, tags, event_id, parents)
        )

    async def folder_messages(
        self, account_id: str, folder_ids: Sequence[str], *, before: datetime | None = None
    ) -> list[str]:
        return await self._db.run(
            lambda c: reads.folder_messages(c, account_id, folder_ids, before)
        )

    async def carrying(self, account_id: str, tag_name: str) -> list[str]:
        return await self._db.run(lambda c: reads.carrying(c, account_id, tag_name))

    async def trashed_order(self, account_id: str, folder_ids: Sequence[str]) -> list[str]:
        return await self._db.run(lambda c: reads.trashed_order(c, account_id, folder_ids))

    async def pending_receipt(
        self, account_id: str, message_id: str
    ) -> tuple[str, list[str]] | None:
        return await self._db.run(lambda c: reads.pending_receipt(c, account_id, message_id))

    # --- writes -----------------------------------------------------------------------
    async def apply(self, batch: Batch) -> None:
        await self._db.transaction(lambda c: writes.apply(c, batch))

    async def put_tag(self, tag: Tag) -> None:
        def write(c: sqlite3.Connection) -> None:
            try:
                c.execute(
                    "INSERT INTO tags(id, account_id, name, color) VALUES (?, ?, ?, ?)",
                    (tag.id, tag.account_id, tag.name, tag.color),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a tag named {tag.name!r} exists") from exc

        await self._db.transaction(write)

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> None:
        await self._db.transaction(
            lambda c: c.execute(
                "UPDATE tags SET color = ? WHERE id = ? AND account_id = ?",
                (color, tag_id, account_id),
            )
        )

    # --- listing and range reads ------------------------------------------------------
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

    async def tag_page(
        self, account_id: str, tag_name: str, *, offset: int, limit: int
    ) -> Page[MessageSummary]:
        return await self._db.run(
            lambda c: listing.tag_page(c, account_id, tag_name, offset=offset, limit=limit)
        )

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

    async def tags(self, account_id: str) -> list[Tag]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM tags WHERE account_id = ? ORDER BY name", (account_id,)
            ).fetchall()
        )
        return [rows.tag(r) for r in found]

    # --- the journal ------------------------------------------------------------------
    async def changes_since(self, account_id: str, modseq: int, limit: int) -> list[MailboxChanged]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT event FROM journal WHERE account_id = ? AND modseq > ?"
                " ORDER BY modseq LIMIT ?",
                (account_id, modseq, limit),
            ).fetchall()
        )
        return [MailboxChanged.model_validate_json(r["event"]) for r in found]

    async def unpublished_changes(self, limit: int) -> list[MailboxChanged]:
        found = await self._db.run(
            lambda c: c.execute(
                "SELECT event FROM journal WHERE published = 0 ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        )
        return [MailboxChanged.model_validate_json(r["event"]) for r in found]

    async def mark_published(self, change_ids: list[str]) -> None:
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
