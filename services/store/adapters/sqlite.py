"""Mailbox store on SQLite (the embedded default). One write transaction per mutation,
journal entry included, so a change and its `mailbox.changed` event cannot diverge."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from shared.addresses import split
from shared.events import ChangeKind, MailboxChanged, derived_id
from shared.model import (
    SYSTEM_FOLDERS,
    Account,
    Address,
    Attachment,
    Delivery,
    Folder,
    FolderRole,
    MessageSummary,
    NewMessage,
    Page,
    StoredMessage,
)
from shared.ports.mailbox import AccountExists, NotFound
from shared.sqlite import SqliteDatabase

SCHEMA = files("services.store.adapters").joinpath("sqlite_schema.sql").read_text()

_SUMMARY_COLUMNS = (
    "id, account_id, folder_id, blob_id, size, received_at, date, subject, sender, recipients,"
    " unread, flagged, has_attachments, thread_id, modseq"
)


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


class SqliteMailboxStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> SqliteMailboxStore:
        db = SqliteDatabase(path, SCHEMA)
        await db.open()
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        local, domain = split(address)
        account = Account(
            id=uuid.uuid4().hex,
            address=f"{local}@{domain}",
            password_hash=password_hash,
            created_at=datetime.now(UTC),
        )

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO domains(name, created_at) VALUES (?, ?)",
                (domain, _ts(account.created_at)),
            )
            try:
                conn.execute(
                    "INSERT INTO accounts(id, address, domain, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (account.id, account.address, domain, password_hash, _ts(account.created_at)),
                )
            except sqlite3.IntegrityError as exc:
                raise AccountExists(account.address) from exc
            conn.executemany(
                "INSERT INTO folders(id, account_id, name, role) VALUES (?, ?, ?, ?)",
                [
                    (derived_id(account.id, role.value), account.id, name, role.value)
                    for role, name in SYSTEM_FOLDERS.items()
                ],
            )

        await self._db.transaction(write)
        return account

    async def account_by_address(self, address: str) -> Account | None:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM accounts WHERE address = ?", (address.strip().lower(),)
            ).fetchone()
        )
        return _account(row) if row else None

    async def account(self, account_id: str) -> Account | None:
        row = await self._db.run(
            lambda c: c.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        )
        return _account(row) if row else None

    # --- folders --------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        rows = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM folders WHERE account_id = ? ORDER BY role IS NULL, rowid",
                (account_id,),
            ).fetchall()
        )
        return [_folder(r) for r in rows]

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM folders WHERE account_id = ? AND id = ?", (account_id, folder_id)
            ).fetchone()
        )
        if row is None:
            raise NotFound(f"folder {folder_id}")
        return _folder(row)

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT * FROM folders WHERE account_id = ? AND role = ?", (account_id, role.value)
            ).fetchone()
        )
        if row is None:
            raise NotFound(f"folder {role.value}")
        return _folder(row)

    # --- messages -------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        return await self._db.transaction(lambda conn: _deliver(conn, message))

    async def messages(
        self, account_id: str, folder_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        def read(conn: sqlite3.Connection) -> Page[MessageSummary]:
            folder = conn.execute(
                "SELECT total FROM folders WHERE account_id = ? AND id = ?", (account_id, folder_id)
            ).fetchone()
            if folder is None:
                raise NotFound(f"folder {folder_id}")
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM messages WHERE account_id = ? AND folder_id = ?"
                " ORDER BY date DESC, id LIMIT ? OFFSET ?",
                (account_id, folder_id, limit, offset),
            ).fetchall()
            return Page[MessageSummary](items=[_summary(r) for r in rows], total=folder["total"])

        return await self._db.run(read)

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        row = await self._db.run(
            lambda c: c.execute(
                f"SELECT {_SUMMARY_COLUMNS}, message_id_hdr, parsed FROM messages"
                " WHERE account_id = ? AND id = ?",
                (account_id, message_id),
            ).fetchone()
        )
        if row is None:
            raise NotFound(f"message {message_id}")
        parsed = json.loads(row["parsed"])
        return StoredMessage(
            **_summary(row).model_dump(),
            message_id=row["message_id_hdr"],
            in_reply_to=parsed["in_reply_to"],
            references=parsed["references"],
            headers=[tuple(h) for h in parsed["headers"]],
            text_body=parsed["text_body"],
            html_body=parsed["html_body"],
            attachments=[Attachment(**a) for a in parsed["attachments"]],
        )

    # --- change journal -------------------------------------------------------------
    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        rows = await self._db.run(
            lambda c: c.execute(
                "SELECT event FROM journal WHERE published = 0 ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        )
        return [MailboxChanged.model_validate_json(r["event"]) for r in rows]

    async def mark_published(self, change_ids: list[str]) -> None:
        if not change_ids:
            return
        await self._db.transaction(
            lambda c: c.executemany(
                "UPDATE journal SET published = 1 WHERE id = ?", [(i,) for i in change_ids]
            )
        )

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        rows = await self._db.run(
            lambda c: c.execute(
                "SELECT event FROM journal WHERE account_id = ? AND modseq > ?"
                " ORDER BY modseq LIMIT ?",
                (account_id, modseq, limit),
            ).fetchall()
        )
        return [MailboxChanged.model_validate_json(r["event"]) for r in rows]


def _deliver(conn: sqlite3.Connection, message: NewMessage) -> Delivery:
    existing = conn.execute(
        "SELECT id FROM messages WHERE account_id = ? AND event_id = ?",
        (message.account_id, message.event_id),
    ).fetchone()
    if existing is not None:
        return Delivery(message_id=existing["id"], created=False)
    folder = conn.execute(
        "SELECT id FROM folders WHERE account_id = ? AND id = ?",
        (message.account_id, message.folder_id),
    ).fetchone()
    if folder is None:
        raise NotFound(f"folder {message.folder_id}")
    parsed = message.parsed
    message_id = derived_id(message.account_id, message.event_id)
    modseq = _next_modseq(conn, message.account_id)
    summary = MessageSummary(
        id=message_id,
        account_id=message.account_id,
        folder_id=message.folder_id,
        blob_id=message.blob_id,
        subject=parsed.subject,
        sender=parsed.sender,
        to=parsed.to,
        cc=parsed.cc,
        date=parsed.date or message.received_at,
        received_at=message.received_at,
        size=message.size,
        unread=message.unread,
        flagged=message.flagged,
        has_attachments=any(not a.inline for a in parsed.attachments),
        thread_id=_thread_of(conn, message.account_id, parsed.in_reply_to + parsed.references)
        or message_id,
        modseq=modseq,
    )
    conn.execute(
        "INSERT INTO messages(id, account_id, folder_id, event_id, blob_id, size, received_at,"
        " date, subject, sender, recipients, unread, flagged, has_attachments, thread_id, modseq,"
        " message_id_hdr, parsed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            summary.id,
            summary.account_id,
            summary.folder_id,
            message.event_id,
            summary.blob_id,
            summary.size,
            _ts(summary.received_at),
            _ts(summary.date),
            summary.subject,
            summary.sender.model_dump_json() if summary.sender else None,
            json.dumps(
                {
                    "to": [a.model_dump() for a in summary.to],
                    "cc": [a.model_dump() for a in summary.cc],
                }
            ),
            int(summary.unread),
            int(summary.flagged),
            int(summary.has_attachments),
            summary.thread_id,
            modseq,
            parsed.message_id,
            parsed.model_dump_json(
                include={
                    "in_reply_to",
                    "references",
                    "headers",
                    "text_body",
                    "html_body",
                    "attachments",
                }
            ),
        ),
    )
    conn.execute(
        "UPDATE folders SET total = total + 1, unread = unread + ? WHERE id = ?",
        (int(summary.unread), summary.folder_id),
    )
    _journal(conn, ChangeKind.MESSAGE_ADDED, summary)
    return Delivery(message_id=message_id, created=True)


def _next_modseq(conn: sqlite3.Connection, account_id: str) -> int:
    row = conn.execute(
        "UPDATE accounts SET modseq = modseq + 1 WHERE id = ? RETURNING modseq", (account_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    return int(row["modseq"])


def _thread_of(conn: sqlite3.Connection, account_id: str, parents: list[str]) -> str | None:
    if not parents:
        return None
    marks = ",".join("?" * len(parents))
    row = conn.execute(
        f"SELECT thread_id FROM messages WHERE account_id = ? AND message_id_hdr IN ({marks})"
        " ORDER BY date LIMIT 1",
        (account_id, *parents),
    ).fetchone()
    return str(row["thread_id"]) if row else None


def _journal(conn: sqlite3.Connection, kind: ChangeKind, summary: MessageSummary) -> None:
    event = MailboxChanged(
        event_id=derived_id(summary.id, kind.value, str(summary.modseq)),
        account_id=summary.account_id,
        modseq=summary.modseq,
        kind=kind,
        message_id=summary.id,
        folder_id=summary.folder_id,
        message=summary if kind is not ChangeKind.MESSAGE_REMOVED else None,
        at=datetime.now(UTC),
    )
    conn.execute(
        "INSERT INTO journal(id, account_id, modseq, event) VALUES (?, ?, ?, ?)",
        (event.event_id, event.account_id, event.modseq, event.model_dump_json()),
    )


def _account(row: sqlite3.Row) -> Account:
    return Account(
        id=row["id"],
        address=row["address"],
        password_hash=row["password_hash"],
        created_at=_dt(row["created_at"]),
    )


def _folder(row: sqlite3.Row) -> Folder:
    return Folder(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        role=FolderRole(row["role"]) if row["role"] else None,
        parent_id=row["parent_id"],
        total=row["total"],
        unread=row["unread"],
    )


def _summary(row: sqlite3.Row) -> MessageSummary:
    recipients: dict[str, Any] = json.loads(row["recipients"])
    return MessageSummary(
        id=row["id"],
        account_id=row["account_id"],
        folder_id=row["folder_id"],
        blob_id=row["blob_id"],
        subject=row["subject"],
        sender=Address.model_validate_json(row["sender"]) if row["sender"] else None,
        to=[Address(**a) for a in recipients["to"]],
        cc=[Address(**a) for a in recipients["cc"]],
        date=_dt(row["date"]),
        received_at=_dt(row["received_at"]),
        size=row["size"],
        unread=bool(row["unread"]),
        flagged=bool(row["flagged"]),
        has_attachments=bool(row["has_attachments"]),
        thread_id=row["thread_id"],
        modseq=row["modseq"],
    )
