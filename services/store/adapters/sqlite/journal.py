"""The change journal, written in the transaction of the change it records."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from services.store.adapters.sqlite import rows
from shared.events import ChangeKind, MailboxChanged, derived_id
from shared.model import Folder, MessageSummary
from shared.ports.mailbox import NotFound


def next_modseq(conn: sqlite3.Connection, account_id: str, count: int = 1) -> int:
    """Take the account's next `count` modseqs; returns the last of them."""
    row = conn.execute(
        "UPDATE accounts SET modseq = modseq + ? WHERE id = ? RETURNING modseq",
        (count, account_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    return int(row["modseq"])


def _write(conn: sqlite3.Connection, event: MailboxChanged) -> None:
    write_many(conn, [event])


def write_many(conn: sqlite3.Connection, events: list[MailboxChanged]) -> None:
    conn.executemany(
        "INSERT INTO journal(id, account_id, modseq, event) VALUES (?, ?, ?, ?)",
        [(e.event_id, e.account_id, e.modseq, e.model_dump_json()) for e in events],
    )


def message(
    conn: sqlite3.Connection,
    kind: ChangeKind,
    summary: MessageSummary,
    previous_folder_id: str | None = None,
) -> None:
    """Journal a message change; `summary` already carries the change's modseq."""
    _write(
        conn,
        MailboxChanged(
            event_id=derived_id(summary.id, kind.value, str(summary.modseq)),
            account_id=summary.account_id,
            modseq=summary.modseq,
            kind=kind,
            message_id=summary.id,
            folder_id=summary.folder_id,
            previous_folder_id=previous_folder_id,
            message=summary if kind is not ChangeKind.MESSAGE_REMOVED else None,
            at=datetime.now(UTC),
        ),
    )


def message_removed(
    conn: sqlite3.Connection, account_id: str, message_id: str, folder_id: str
) -> None:
    modseq = next_modseq(conn, account_id)
    _write(
        conn,
        MailboxChanged(
            event_id=derived_id(message_id, ChangeKind.MESSAGE_REMOVED.value, str(modseq)),
            account_id=account_id,
            modseq=modseq,
            kind=ChangeKind.MESSAGE_REMOVED,
            message_id=message_id,
            folder_id=folder_id,
            at=datetime.now(UTC),
        ),
    )


def folder(conn: sqlite3.Connection, kind: ChangeKind, folder_id: str) -> Folder:
    """Journal a folder change with the folder's state read back after it."""
    row = conn.execute("SELECT * FROM folders WHERE id = ?", (folder_id,)).fetchone()
    snapshot = rows.folder(row)
    modseq = next_modseq(conn, snapshot.account_id)
    _write(
        conn,
        MailboxChanged(
            event_id=derived_id(folder_id, kind.value, str(modseq)),
            account_id=snapshot.account_id,
            modseq=modseq,
            kind=kind,
            folder_id=folder_id,
            folder=snapshot,
            at=datetime.now(UTC),
        ),
    )
    return snapshot
