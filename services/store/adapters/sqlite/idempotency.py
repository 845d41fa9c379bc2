"""Idempotency keys of the HTTP API (one claim per account and key), inside the caller's
transaction: a claim is read and made under the write lock, so of concurrent requests with
one key exactly one makes it. What a claim gets is `core.idempotency`'s rule."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from services.store.adapters.sqlite import rows
from services.store.adapters.sqlite.senders import require_account
from services.store.core.idempotency import StoredClaim, claimed
from shared.model import IdempotencyClaim


def claim(
    conn: sqlite3.Connection,
    account_id: str,
    key: str,
    digest: str,
    event_id: str,
    now: datetime,
    expired_before: datetime,
) -> IdempotencyClaim:
    require_account(conn, account_id)
    conn.execute(
        "DELETE FROM idempotency_keys WHERE account_id = ? AND created_at < ?",
        (account_id, rows.ts(expired_before)),
    )
    row = conn.execute(
        "SELECT digest, event_id, answer FROM idempotency_keys WHERE account_id = ? AND key = ?",
        (account_id, key),
    ).fetchone()
    existing = StoredClaim(row["digest"], row["event_id"], row["answer"]) if row else None
    got = claimed(existing, digest, event_id)
    if existing is None:
        conn.execute(
            "INSERT INTO idempotency_keys(account_id, key, digest, event_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (account_id, key, digest, got.event_id, rows.ts(now)),
        )
    return got


def answer(conn: sqlite3.Connection, account_id: str, key: str, text: str) -> None:
    conn.execute(
        "UPDATE idempotency_keys SET answer = ? WHERE account_id = ? AND key = ?",
        (text, account_id, key),
    )


def release(conn: sqlite3.Connection, account_id: str, key: str) -> None:
    conn.execute(
        "DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND answer IS NULL",
        (account_id, key),
    )
