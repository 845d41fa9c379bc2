"""Adding messages: delivery (idempotent by event id, with the read receipt the message
asks for) and copies."""

from __future__ import annotations

import json
import sqlite3
import uuid

from services.store.adapters.sqlite import folders, journal, rows
from services.store.adapters.sqlite.rows import SUMMARY_COLUMNS
from shared.events import ChangeKind, derived_id
from shared.model import Delivery, MessageSummary, NewMessage
from shared.ports.mailbox import NotFound


def deliver(conn: sqlite3.Connection, message: NewMessage) -> Delivery:
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
    modseq = journal.next_modseq(conn, message.account_id)
    sender = parsed.sender
    conn.execute(
        "INSERT INTO messages(id, account_id, folder_id, event_id, blob_id, size, received_at,"
        " date, subject, sender, recipients, unread, flagged, has_attachments, thread_id, modseq,"
        " message_id_hdr, parsed, uid, sender_sort, refs, answered, draft, deleted,"
        " matched_filters, receipt_to, receipt_state, tags, comment)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            message_id,
            message.account_id,
            message.folder_id,
            message.event_id,
            message.blob_id,
            message.size,
            rows.ts(message.received_at),
            rows.ts(parsed.date or message.received_at),
            parsed.subject,
            sender.model_dump_json() if sender else None,
            json.dumps(
                {
                    "to": [a.model_dump() for a in parsed.to],
                    "cc": [a.model_dump() for a in parsed.cc],
                }
            ),
            int(message.unread),
            int(message.flagged),
            int(any(not a.inline for a in parsed.attachments)),
            _thread_of(conn, message.account_id, parsed.in_reply_to + parsed.references)
            or message_id,
            modseq,
            parsed.message_id,
            parsed.model_dump_json(include={"headers", "text_body", "html_body", "attachments"}),
            folders.next_uid(conn, message.folder_id),
            ((sender.name or sender.address) if sender else "").lower(),
            json.dumps({"in_reply_to": parsed.in_reply_to, "references": parsed.references}),
            int(message.answered),
            int(message.draft),
            int(message.deleted),
            json.dumps(message.filters),
            message.receipt_to,
            "pending" if message.receipt_to else None,
            json.dumps(list(dict.fromkeys(message.tags))),
            message.comment or None,
        ),
    )
    _added(conn, message_id)
    return Delivery(message_id=message_id, created=True)


def copy(conn: sqlite3.Connection, source_id: str, folder_id: str) -> str:
    """A copy of a message in `folder_id`: same blob, new id and UID, its own flags. The
    copy asks for no read receipt: the request stays the original's, settled once."""
    copy_id = uuid.uuid4().hex
    row = conn.execute("SELECT account_id FROM messages WHERE id = ?", (source_id,)).fetchone()
    modseq = journal.next_modseq(conn, row["account_id"])
    conn.execute(
        "INSERT INTO messages(id, account_id, folder_id, event_id, blob_id, size, received_at,"
        " date, subject, sender, recipients, unread, flagged, has_attachments, thread_id, modseq,"
        " message_id_hdr, parsed, uid, tags, comment, deleted, sender_sort, refs, answered, draft,"
        " matched_filters)"
        " SELECT ?, account_id, ?, ?, blob_id, size, received_at, date, subject, sender,"
        " recipients, unread, flagged, has_attachments, thread_id, ?, message_id_hdr, parsed, ?,"
        " tags, comment, deleted, sender_sort, refs, answered, draft, matched_filters"
        " FROM messages WHERE id = ?",
        (copy_id, folder_id, copy_id, modseq, folders.next_uid(conn, folder_id), source_id),
    )
    _added(conn, copy_id)
    return copy_id


def _added(conn: sqlite3.Connection, message_id: str) -> None:
    summary = load(conn, message_id)
    folders.count(conn, summary.folder_id, 1, int(summary.unread))
    conn.execute(
        "UPDATE accounts SET used_bytes = used_bytes + ? WHERE id = ?",
        (summary.size, summary.account_id),
    )
    journal.message(conn, ChangeKind.MESSAGE_ADDED, summary)


def load(conn: sqlite3.Connection, message_id: str) -> MessageSummary:
    row = conn.execute(
        f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    return rows.summary(row)


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
