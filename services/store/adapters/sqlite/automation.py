"""Automation state (F24, F48, F56, F57) inside the caller's transaction: things done
once per account, the SMS credit used per month, and pending read receipts (settled by the core:
the message's journal entry goes with it). What is granted is `core.automation`'s rule.

Each function runs in one write transaction (BEGIN IMMEDIATE), so a check and the write
it decides cannot be split by a concurrent caller: a claim, a debit or a receipt is
granted once.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from services.store.adapters.sqlite import accounts, rows
from services.store.core import automation as rules
from shared.model import Address, ReceiptRequest


def claimed(
    conn: sqlite3.Connection, account_id: str, key: str, now: datetime, every: timedelta | None
) -> bool:
    """Whether a mark of `key` stands at `now` (a claim would be refused): read alone, so
    that the common refusal (a sender already answered) takes no write lock."""
    row = conn.execute(
        "SELECT at FROM once_marks WHERE account_id = ? AND key = ?", (account_id, key)
    ).fetchone()
    return rules.stands(rows.dt(row["at"]) if row else None, now, every)


def claim_once(
    conn: sqlite3.Connection, account_id: str, key: str, now: datetime, every: timedelta | None
) -> bool:
    accounts.account_plan(conn, account_id)  # NotFound for an unknown account
    if claimed(conn, account_id, key, now, every):
        return False
    conn.execute(
        "INSERT INTO once_marks(account_id, key, at) VALUES (?, ?, ?)"
        " ON CONFLICT(account_id, key) DO UPDATE SET at = excluded.at",
        (account_id, key, rows.ts(now)),
    )
    return True


def release_once(conn: sqlite3.Connection, account_id: str, prefix: str) -> int:
    # substr rather than LIKE: keys hold addresses, whose "_" and "%" are not wildcards.
    return conn.execute(
        "DELETE FROM once_marks WHERE account_id = ? AND substr(key, 1, ?) = ?",
        (account_id, len(prefix), prefix),
    ).rowcount


def debit_sms(conn: sqlite3.Connection, account_id: str, parts: int, now: datetime) -> bool:
    plan = accounts.account_plan(conn, account_id)  # NotFound for an unknown account
    debit = rules.sms_debit(plan, parts, now)
    if not debit.granted(_used(conn, account_id, debit.month)):
        return False
    conn.execute(
        "INSERT INTO sms_usage(account_id, month, parts) VALUES (?, ?, ?)"
        " ON CONFLICT(account_id, month) DO UPDATE SET parts = parts + excluded.parts",
        (account_id, debit.month, parts),
    )
    return True


def sms_used(conn: sqlite3.Connection, account_id: str, now: datetime) -> int:
    accounts.account_plan(conn, account_id)  # NotFound for an unknown account
    return _used(conn, account_id, rules.month_of(now))


def _used(conn: sqlite3.Connection, account_id: str, month: str) -> int:
    row = conn.execute(
        "SELECT parts FROM sms_usage WHERE account_id = ? AND month = ?", (account_id, month)
    ).fetchone()
    return int(row["parts"]) if row else 0


def receipt_requests(conn: sqlite3.Connection, account_id: str) -> list[ReceiptRequest]:
    return rules.one_per_message(
        (
            r["message_id_hdr"],
            ReceiptRequest(
                message_id=r["id"],
                folder_id=r["folder_id"],
                to=r["receipt_to"],
                subject=r["subject"],
                sender=Address.model_validate_json(r["sender"]) if r["sender"] else None,
                received_at=rows.dt(r["received_at"]),
            ),
        )
        for r in conn.execute(
            "SELECT id, folder_id, receipt_to, subject, sender, received_at, message_id_hdr"
            " FROM messages WHERE account_id = ? AND receipt_state = 'pending'",
            (account_id,),
        )
    )
