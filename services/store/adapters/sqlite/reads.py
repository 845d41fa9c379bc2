"""What a change of the core reads (`MailBackend.snapshot` and the lookups beside it)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime

from services.store.adapters.sqlite import rows
from services.store.adapters.sqlite.rows import RECORD_COLUMNS
from services.store.core.backend import AccountState, MessageRecord, Snapshot
from shared.ports.mailbox import NotFound

CHUNK = 500  # ids bound at once (SQLite binds at most 32766 values)


def chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def marks(count: int) -> str:
    return ",".join("?" * count)


def snapshot(
    conn: sqlite3.Connection,
    account_id: str,
    message_ids: Sequence[str],
    tags: bool,
    event_id: str | None,
    parents: Sequence[str],
) -> Snapshot:
    """One read transaction: what it reads is one state of the database."""
    conn.execute("BEGIN")
    try:
        return _read(conn, account_id, message_ids, tags, event_id, parents)
    finally:
        conn.execute("COMMIT")


def _read(
    conn: sqlite3.Connection,
    account_id: str,
    message_ids: Sequence[str],
    tags: bool,
    event_id: str | None,
    parents: Sequence[str],
) -> Snapshot:
    row = conn.execute(
        "SELECT a.modseq, a.uidvalidity, a.used_bytes, a.plan,"
        " json_extract(p.limits, '$.storage_bytes') AS limit_bytes"
        " FROM accounts a LEFT JOIN plans p ON p.name = a.plan WHERE a.id = ?",
        (account_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    account = AccountState(
        account_id=account_id,
        modseq=row["modseq"],
        uidvalidity=row["uidvalidity"],
        used_bytes=row["used_bytes"],
        plan=row["plan"],
        limit_bytes=row["limit_bytes"],
    )
    folders = [
        rows.folder_record(r)
        for r in conn.execute(
            "SELECT * FROM folders WHERE account_id = ? ORDER BY role IS NULL, rowid",
            (account_id,),
        )
    ]
    snap = Snapshot(
        account=account, folders=folders, messages=_messages(conn, account_id, message_ids)
    )
    if tags:
        snap.tags = [
            rows.tag(r)
            for r in conn.execute(
                "SELECT * FROM tags WHERE account_id = ? ORDER BY name", (account_id,)
            )
        ]
    if event_id is not None:
        found = conn.execute(
            "SELECT id FROM messages WHERE account_id = ? AND event_id = ?", (account_id, event_id)
        ).fetchone()
        snap.delivered = found["id"] if found else None
    if parents:
        parents = list(dict.fromkeys(parents))[:CHUNK]
        found = conn.execute(
            f"SELECT thread_id FROM messages WHERE account_id = ?"
            f" AND message_id_hdr IN ({marks(len(parents))}) ORDER BY date LIMIT 1",
            (account_id, *parents),
        ).fetchone()
        snap.thread_id = found["thread_id"] if found else None
    return snap


def _messages(
    conn: sqlite3.Connection, account_id: str, ids: Sequence[str]
) -> dict[str, MessageRecord]:
    if not ids:
        return {}
    wanted = list(dict.fromkeys(ids))
    found: dict[str, MessageRecord] = {}
    for chunk in chunks(wanted):
        for r in conn.execute(  # by primary key ("+": not by an index of the account's messages)
            f"SELECT {RECORD_COLUMNS} FROM messages"
            f" WHERE +account_id = ? AND id IN ({marks(len(chunk))})",
            (account_id, *chunk),
        ):
            found[r["id"]] = rows.record(r)
    return {i: found[i] for i in wanted if i in found}


def folder_messages(
    conn: sqlite3.Connection, account_id: str, folder_ids: Sequence[str], before: datetime | None
) -> list[str]:
    if not folder_ids:
        return []
    query = (
        f"SELECT id FROM messages WHERE account_id = ? AND folder_id IN ({marks(len(folder_ids))})"
    )
    params: list[object] = [account_id, *folder_ids]
    if before is not None:
        query += " AND date < ?"
        params.append(rows.ts(before))
    return [r["id"] for r in conn.execute(query + " ORDER BY date, id", params)]


def carrying(conn: sqlite3.Connection, account_id: str, name: str) -> list[str]:
    return [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM messages WHERE account_id = ?"
            " AND EXISTS (SELECT 1 FROM json_each(messages.tags) WHERE value = ?)",
            (account_id, name),
        )
    ]


def trashed_order(
    conn: sqlite3.Connection, account_id: str, folder_ids: Sequence[str]
) -> list[str]:
    if not folder_ids:
        return []
    return [
        r["id"]
        for r in conn.execute(
            f"SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id"
            f" WHERE m.account_id = ? AND m.folder_id IN ({marks(len(folder_ids))})"
            " ORDER BY COALESCE(m.trashed_at, f.trashed_at, m.received_at), m.id",
            (account_id, *folder_ids),
        )
    ]


def pending_receipt(
    conn: sqlite3.Connection, account_id: str, message_id: str
) -> tuple[str, list[str]] | None:
    row = conn.execute(
        "SELECT receipt_to, receipt_state, message_id_hdr FROM messages"
        " WHERE account_id = ? AND id = ?",
        (account_id, message_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"message {message_id}")
    if row["receipt_state"] != "pending":
        return None
    same = [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM messages WHERE account_id = ? AND receipt_state = 'pending'"
            " AND (id = ? OR message_id_hdr = ?)",
            (account_id, message_id, row["message_id_hdr"]),
        )
    ]
    return str(row["receipt_to"]), same
