"""Reading messages: folder listings, tag listings, one message, threading keys."""

from __future__ import annotations

import json
import sqlite3

from services.store.adapters.sqlite import rows
from services.store.adapters.sqlite.rows import SUMMARY_COLUMNS
from shared.model import (
    Attachment,
    MessageSummary,
    Page,
    SortKey,
    StoredMessage,
    ThreadKey,
    UidEntry,
)
from shared.ports.mailbox import NotFound

_ORDER = {
    SortKey.DATE: "date",
    SortKey.SENDER: "sender_sort",
    SortKey.SUBJECT: "subject COLLATE NOCASE",
    SortKey.SIZE: "size",
}


def folder_page(
    conn: sqlite3.Connection,
    account_id: str,
    folder_id: str,
    *,
    offset: int,
    limit: int,
    sort: SortKey,
    descending: bool,
    unread_only: bool,
) -> Page[MessageSummary]:
    folder = conn.execute(
        "SELECT total, unread FROM folders WHERE account_id = ? AND id = ?",
        (account_id, folder_id),
    ).fetchone()
    if folder is None:
        raise NotFound(f"folder {folder_id}")
    where = "account_id = ? AND folder_id = ?" + (" AND unread = 1" if unread_only else "")
    direction = "DESC" if descending else "ASC"
    items = conn.execute(
        f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE {where}"
        f" ORDER BY {_ORDER[sort]} {direction}, id {direction} LIMIT ? OFFSET ?",
        (account_id, folder_id, limit, offset),
    ).fetchall()
    total = folder["unread"] if unread_only else folder["total"]
    return Page[MessageSummary](items=[rows.summary(r) for r in items], total=total)


def tag_page(
    conn: sqlite3.Connection, account_id: str, tag_name: str, *, offset: int, limit: int
) -> Page[MessageSummary]:
    where = "account_id = ? AND EXISTS (SELECT 1 FROM json_each(messages.tags) WHERE value = ?)"
    total = conn.execute(f"SELECT count(*) FROM messages WHERE {where}", (account_id, tag_name))
    items = conn.execute(
        f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE {where}"
        " ORDER BY date DESC, id DESC LIMIT ? OFFSET ?",
        (account_id, tag_name, limit, offset),
    ).fetchall()
    return Page[MessageSummary](
        items=[rows.summary(r) for r in items], total=int(total.fetchone()[0])
    )


def message(conn: sqlite3.Connection, account_id: str, message_id: str) -> StoredMessage:
    row = conn.execute(
        f"SELECT {SUMMARY_COLUMNS}, message_id_hdr, refs, comment, matched_filters,"
        " (SELECT parsed FROM message_bodies b WHERE b.id = messages.id) AS parsed"
        " FROM messages WHERE account_id = ? AND id = ?",
        (account_id, message_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"message {message_id}")
    parsed, refs = json.loads(row["parsed"]), json.loads(row["refs"])
    return StoredMessage(
        **rows.summary(row).model_dump(),
        message_id=row["message_id_hdr"],
        in_reply_to=refs["in_reply_to"],
        references=refs["references"],
        headers=[(name, value) for name, value in parsed["headers"]],
        text_body=parsed["text_body"],
        html_body=parsed["html_body"],
        attachments=[Attachment(**a) for a in parsed["attachments"]],
        comment=row["comment"],
        filters=json.loads(row["matched_filters"]),
    )


def thread_keys(conn: sqlite3.Connection, account_id: str, folder_id: str) -> list[ThreadKey]:
    _require_folder(conn, account_id, folder_id)
    out = []
    for row in conn.execute(
        "SELECT id, message_id_hdr, refs, subject, date, unread FROM messages"
        " WHERE account_id = ? AND folder_id = ?",
        (account_id, folder_id),
    ):
        refs = json.loads(row["refs"])
        out.append(
            ThreadKey(
                id=row["id"],
                message_id=row["message_id_hdr"],
                in_reply_to=refs["in_reply_to"],
                references=refs["references"],
                subject=row["subject"],
                date=rows.dt(row["date"]),
                unread=bool(row["unread"]),
            )
        )
    return out


def unread_before(
    conn: sqlite3.Connection, account_id: str, folder_id: str, message_id: str
) -> bool:
    _require_folder(conn, account_id, folder_id)
    row = conn.execute(
        "SELECT uid FROM messages WHERE id = ? AND account_id = ? AND folder_id = ?",
        (message_id, account_id, folder_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"message {message_id} in folder {folder_id}")
    older = conn.execute(
        "SELECT 1 FROM messages WHERE folder_id = ? AND uid < ? AND unread = 1 AND deleted = 0"
        " LIMIT 1",
        (folder_id, row["uid"]),
    ).fetchone()
    return older is not None


def folder_uids(conn: sqlite3.Connection, account_id: str, folder_id: str) -> list[UidEntry]:
    _require_folder(conn, account_id, folder_id)
    # A folder may hold tens of thousands: plain tuples (no sqlite3.Row), read from the
    # covering index `messages_imap` without touching the rows.
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(
        "SELECT uid, id, blob_id, unread, flagged, deleted, answered, draft, tags, size,"
        " received_at, modseq FROM messages INDEXED BY messages_imap"
        " WHERE folder_id = ? ORDER BY uid",
        (folder_id,),
    )
    dt = rows.dt
    return [
        UidEntry(
            uid,
            message_id,
            blob_id,
            bool(unread),
            bool(flagged),
            bool(deleted),
            bool(answered),
            bool(draft),
            json.loads(tags) if tags != "[]" else [],
            size,
            dt(received_at),
            modseq,
        )
        for (
            uid,
            message_id,
            blob_id,
            unread,
            flagged,
            deleted,
            answered,
            draft,
            tags,
            size,
            received_at,
            modseq,
        ) in cursor
    ]


def _require_folder(conn: sqlite3.Connection, account_id: str, folder_id: str) -> None:
    found = conn.execute(
        "SELECT 1 FROM folders WHERE account_id = ? AND id = ?", (account_id, folder_id)
    ).fetchone()
    if found is None:
        raise NotFound(f"folder {folder_id}")
