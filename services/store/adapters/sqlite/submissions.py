"""Sending limits (messages per day of the plan) and the uploads of messages being composed;
the rules are `core.submissions`'s."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from services.store.adapters.sqlite import rows, writes
from services.store.adapters.sqlite.senders import require_account
from services.store.core import submissions as rules
from services.store.core.directory import page_size
from shared.model import Upload


def admit(
    conn: sqlite3.Connection,
    account_id: str,
    event_id: str,
    at: datetime,
    since: datetime,
    limit: int | None,
) -> bool:
    """Inside the caller's write transaction, so concurrent calls are serialised."""
    require_account(conn, account_id)
    counted = conn.execute(
        "SELECT 1 FROM submissions WHERE account_id = ? AND event_id = ?", (account_id, event_id)
    ).fetchone()
    if counted is not None:
        return True
    conn.execute(
        "DELETE FROM submissions WHERE account_id = ? AND at < ?",
        (account_id, rows.ts(rules.forget_before(at, since))),
    )
    sent = 0
    if limit is not None:  # no need to count without a limit
        sent = conn.execute(
            "SELECT COUNT(*) FROM submissions WHERE account_id = ? AND at >= ?",
            (account_id, rows.ts(since)),
        ).fetchone()[0]
    if not rules.admits(sent, limit):
        return False
    conn.execute(
        "INSERT INTO submissions(account_id, event_id, at) VALUES (?, ?, ?)",
        (account_id, event_id, rows.ts(at)),
    )
    return True


def add_upload(conn: sqlite3.Connection, upload: Upload) -> Upload:
    require_account(conn, upload.account_id)
    try:
        conn.execute(
            "INSERT INTO uploads(id, account_id, blob_id, filename, content_type, size,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                upload.id,
                upload.account_id,
                upload.blob_id,
                upload.filename,
                upload.content_type,
                upload.size,
                rows.ts(upload.created_at),
            ),
        )
    except sqlite3.IntegrityError as exc:
        raise rules.upload_exists(upload.id) from exc
    return upload


def upload(conn: sqlite3.Connection, account_id: str, upload_id: str) -> Upload:
    row = conn.execute(
        "SELECT * FROM uploads WHERE account_id = ? AND id = ?", (account_id, upload_id)
    ).fetchone()
    if row is None:
        raise rules.no_upload(upload_id)
    return rows.upload(row)


def expire_uploads(conn: sqlite3.Connection, created_before: datetime, limit: int) -> int:
    """Forget the oldest uploads created before the cut-off; their blobs become orphans
    unless a message or another upload uses them."""
    expired = conn.execute(
        "SELECT id, blob_id FROM uploads WHERE created_at < ? ORDER BY created_at LIMIT ?",
        (rows.ts(created_before), page_size(limit)),
    ).fetchall()
    conn.executemany("DELETE FROM uploads WHERE id = ?", [(r["id"],) for r in expired])
    for blob_id in dict.fromkeys(r["blob_id"] for r in expired):
        writes.released(conn, [blob_id])
    return len(expired)
