"""A batch of the core, written in the caller's transaction (BEGIN IMMEDIATE): first the
account's modseq compare-and-set, then each kind of write by one `executemany`. Messages
are updated column by column (only what the change gives), never rewritten whole."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime

from services.store.adapters.sqlite import rows
from services.store.core.backend import Batch, CopyRow, MessagePatch, NewRow, Stale
from services.store.core.records import new_summary

_FLAGS = ("unread", "flagged", "deleted", "answered", "draft")


def apply(conn: sqlite3.Connection, batch: Batch) -> None:
    cursor = conn.execute(
        "UPDATE accounts SET modseq = ?, used_bytes = used_bytes + ?,"
        " uidvalidity = COALESCE(?, uidvalidity) WHERE id = ? AND modseq = ?",
        (
            batch.modseq,
            batch.used_bytes_delta,
            batch.uidvalidity,
            batch.account_id,
            batch.expect_modseq,
        ),
    )
    if cursor.rowcount == 0:
        raise Stale(batch.account_id)
    if batch.folders:
        conn.executemany(
            "INSERT INTO folders(id, account_id, name, role, parent_id, total, unread, bytes,"
            " uidvalidity, uidnext, trashed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id,"
            " total = excluded.total, unread = excluded.unread, bytes = excluded.bytes,"
            " uidnext = excluded.uidnext, trashed_at = excluded.trashed_at",
            [
                (
                    f.id,
                    batch.account_id,
                    f.name,
                    f.role.value if f.role else None,
                    f.parent_id,
                    f.total,
                    f.unread,
                    f.bytes,
                    f.uidvalidity,
                    f.uidnext,
                    rows.ts(f.trashed_at) if f.trashed_at else None,
                )
                for f in batch.folders
            ],
        )
    if batch.inserted:
        conn.executemany(_INSERT, [_inserted(r) for r in batch.inserted])
    if batch.copied:
        conn.executemany(_COPY, [_copied(r) for r in batch.copied])
    _patch(conn, batch.patched)
    if batch.removed:
        conn.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in batch.removed])
    if batch.folders_removed:
        conn.executemany(
            "DELETE FROM folders WHERE id = ? AND account_id = ?",
            [(i, batch.account_id) for i in batch.folders_removed],
        )
    if batch.tags_added:
        conn.executemany(
            "INSERT INTO tags(id, account_id, name, color) VALUES (?, ?, ?, ?)",
            [(t.id, t.account_id, t.name, t.color) for t in batch.tags_added],
        )
    if batch.tags_removed:
        conn.executemany(
            "DELETE FROM tags WHERE id = ? AND account_id = ?",
            [(i, batch.account_id) for i in batch.tags_removed],
        )
    if batch.journal:
        conn.executemany(
            "INSERT INTO journal(id, account_id, modseq, event) VALUES (?, ?, ?, ?)",
            [(e.event_id, e.account_id, e.modseq, e.model_dump_json()) for e in batch.journal],
        )
    released(conn, batch.released_blobs)


_INSERT = (
    "INSERT INTO messages(id, account_id, folder_id, event_id, blob_id, size, received_at,"
    " date, subject, sender, recipients, unread, flagged, has_attachments, thread_id, modseq,"
    " message_id_hdr, parsed, uid, sender_sort, refs, answered, draft, deleted,"
    " matched_filters, receipt_to, receipt_state, tags, comment)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _inserted(row: NewRow) -> tuple[object, ...]:
    message, parsed, summary = row.message, row.message.parsed, new_summary(row)
    sender = summary.sender
    return (
        row.message_id,
        message.account_id,
        message.folder_id,
        message.event_id,
        message.blob_id,
        message.size,
        rows.ts(summary.received_at),
        rows.ts(summary.date),
        summary.subject,
        sender.model_dump_json() if sender else None,
        json.dumps(
            {"to": [a.model_dump() for a in summary.to], "cc": [a.model_dump() for a in summary.cc]}
        ),
        int(summary.unread),
        int(summary.flagged),
        int(summary.has_attachments),
        row.thread_id,
        row.modseq,
        parsed.message_id,
        parsed.model_dump_json(include={"headers", "text_body", "html_body", "attachments"}),
        row.uid,
        ((sender.name or sender.address) if sender else "").lower(),
        json.dumps({"in_reply_to": parsed.in_reply_to, "references": parsed.references}),
        int(summary.answered),
        int(summary.draft),
        int(summary.deleted),
        json.dumps(message.filters),
        message.receipt_to,
        summary.receipt,
        json.dumps(summary.tags),
        message.comment or None,
    )


_COPY = (
    "INSERT INTO messages(id, account_id, folder_id, event_id, blob_id, size, received_at,"
    " date, subject, sender, recipients, unread, flagged, has_attachments, thread_id, modseq,"
    " message_id_hdr, parsed, uid, tags, comment, deleted, sender_sort, refs, answered, draft,"
    " matched_filters)"
    " SELECT ?, account_id, ?, ?, blob_id, size, received_at, date, subject, sender,"
    " recipients, unread, flagged, has_attachments, thread_id, ?, message_id_hdr, parsed, ?,"
    " tags, comment, deleted, sender_sort, refs, answered, draft, matched_filters"
    " FROM messages WHERE id = ?"
)


def _copied(row: CopyRow) -> tuple[object, ...]:
    return (row.message_id, row.folder_id, row.message_id, row.modseq, row.uid, row.source_id)


def _patch(conn: sqlite3.Connection, patches: list[MessagePatch]) -> None:
    """Patches grouped by the columns they set: one statement per group."""
    groups: dict[tuple[str, ...], list[tuple[object, ...]]] = defaultdict(list)
    for patch in patches:
        columns = _columns(patch)
        groups[tuple(columns)].append((*columns.values(), patch.message_id))
    for names, values in groups.items():
        assignments = ", ".join(f"{name} = ?" for name in names)
        conn.executemany(f"UPDATE messages SET {assignments} WHERE id = ?", values)


def _columns(patch: MessagePatch) -> dict[str, object]:
    out: dict[str, object] = {"modseq": patch.modseq}
    if patch.folder_id is not None:
        out["folder_id"] = patch.folder_id
    if patch.uid is not None:
        out["uid"] = patch.uid
    for name in _FLAGS:
        value = getattr(patch, name)
        if value is not None:
            out[name] = int(value)
    if patch.tags is not None:
        out["tags"] = json.dumps(patch.tags)
    if patch.comment is not None or patch.set_comment:
        out["comment"] = patch.comment
    if patch.clear_trashed:
        out["trashed_from"] = out["trashed_at"] = None
    else:
        if patch.trashed_from is not None:
            out["trashed_from"] = patch.trashed_from
        if patch.trashed_at is not None:
            out["trashed_at"] = rows.ts(patch.trashed_at)
    if patch.receipt is not None:
        out["receipt_state"] = patch.receipt
    return out


def released(conn: sqlite3.Connection, blob_ids: list[str]) -> None:
    """Put each blob on the orphan list if no message or upload refers to it any more."""
    now = rows.ts(datetime.now(UTC))
    orphans = [(b, now) for b in blob_ids if not blob_in_use(conn, b)]
    if orphans:
        conn.executemany(
            "INSERT OR IGNORE INTO orphan_blobs(blob_id, since) VALUES (?, ?)", orphans
        )


def blob_in_use(conn: sqlite3.Connection, blob_id: str) -> bool:
    return any(
        conn.execute(f"SELECT 1 FROM {table} WHERE blob_id = ? LIMIT 1", (blob_id,)).fetchone()
        for table in ("messages", "uploads")
    )
