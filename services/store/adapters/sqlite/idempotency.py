"""Idempotency keys of the HTTP API (one claim per account and key), inside the caller's
transaction: a claim is read and made under the write lock, so of concurrent requests with
one key exactly one makes it."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from services.store.adapters.sqlite import accounts, rows
from shared.model import IdempotencyClaim
from shared.ports.mailbox import Conflict


def claim(
    conn: sqlite3.Connection,
    account_id: str,
    key: str,
    digest: str,
    event_id: str,
    now: datetime,
    expired_before: datetime,
) -> IdempotencyClaim:
    accounts.account_plan(conn, account_id)  # NotFound for an unknown account
    conn.execute(
        "DELETE FROM idempotency_keys WHERE account_id = ? AND created_at < ?",
        (account_id, rows.ts(expired_before)),
    )
    row = conn.execute(
        "SELECT digest, event_id, answer FROM idempotency_keys WHERE account_id = ? AND key = ?",
        (account_id, key),
    ).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO idempotency_keys(account_id, key, digest, event_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (account_id, key, digest, event_id, rows.ts(now)),
        )
        return IdempotencyClaim(event_id=event_id)
    if row["digest"] != digest:
        raise Conflict("the key was used for another request")
    return IdempotencyClaim(event_id=row["event_id"], answer=row["answer"])


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
