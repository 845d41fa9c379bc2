"""Changing and removing messages (F38-F40, F50, F51) inside the caller's transaction.

Every changed message gets the account's next modseq and one journal entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime

from services.store.adapters.sqlite import delivery, flagging, folders, journal, rows
from services.store.adapters.sqlite.folders import Tree
from shared.events import ChangeKind
from shared.model import FlagChange, Removal, Selection
from shared.ports.mailbox import NotFound


def select(conn: sqlite3.Connection, account_id: str, selection: Selection) -> list[str]:
    if selection.message_ids is not None:
        wanted = list(dict.fromkeys(selection.message_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r["id"]
                for r in conn.execute(
                    # By primary key ("+": not by an index of the account's messages).
                    f"SELECT id FROM messages WHERE +account_id = ? AND id IN ({marks})",
                    (account_id, *chunk),
                )
            )
        return [m for m in wanted if m in found]
    assert selection.folder_id is not None
    Tree(conn, account_id).get(selection.folder_id)  # NotFound for another account's folder
    query = "SELECT id FROM messages WHERE account_id = ? AND folder_id = ?"
    params: list[object] = [account_id, selection.folder_id]
    if selection.before is not None:
        query += " AND date < ?"
        params.append(rows.ts(selection.before))
    return [r["id"] for r in conn.execute(query + " ORDER BY date, id", params)]


def update(
    conn: sqlite3.Connection,
    message_id: str,
    assignments: Mapping[str, object],
    previous_folder_id: str | None = None,
) -> None:
    """Apply column changes to one message, with a new modseq and a journal entry."""
    before = delivery.load(conn, message_id)
    assignments = {**assignments, "modseq": journal.next_modseq(conn, before.account_id)}
    columns = ", ".join(f"{name} = ?" for name in assignments)
    conn.execute(f"UPDATE messages SET {columns} WHERE id = ?", (*assignments.values(), message_id))
    after = delivery.load(conn, message_id)
    if after.folder_id != before.folder_id:
        folders.count(conn, before.folder_id, -1, -int(before.unread))
        folders.count(conn, after.folder_id, 1, int(after.unread))
    elif after.unread != before.unread:
        folders.count(conn, after.folder_id, 0, int(after.unread) - int(before.unread))
    journal.message(conn, ChangeKind.MESSAGE_UPDATED, after, previous_folder_id)


def set_flags(
    conn: sqlite3.Connection, account_id: str, ids: list[str], change: FlagChange
) -> list[str]:
    return flagging.change(conn, account_id, ids, change, None, None)


def move(
    conn: sqlite3.Connection, ids: list[str], folder_id: str, extra: dict[str, object] | None = None
) -> list[str]:
    moved = []
    for message_id in ids:
        current = delivery.load(conn, message_id)
        if current.folder_id == folder_id:
            continue
        assignments: dict[str, object] = {
            "folder_id": folder_id,
            "uid": folders.next_uid(conn, folder_id),
            **(extra or {}),
        }
        update(conn, message_id, assignments, previous_folder_id=current.folder_id)
        moved.append(message_id)
    return moved


def set_comment(
    conn: sqlite3.Connection, account_id: str, message_id: str, comment: str | None
) -> None:
    row = conn.execute(
        "SELECT comment FROM messages WHERE account_id = ? AND id = ?", (account_id, message_id)
    ).fetchone()
    if row is None:
        raise NotFound(f"message {message_id}")
    if row["comment"] != (comment or None):
        update(conn, message_id, {"comment": comment or None})


def trash(conn: sqlite3.Connection, account_id: str, ids: list[str]) -> tuple[list[str], Removal]:
    """Move to Trash what is outside it; remove for good what is already inside."""
    tree = Tree(conn, account_id)
    outside: list[str] = []
    inside: list[str] = []
    for message_id in ids:
        folder_id = delivery.load(conn, message_id).folder_id
        (inside if tree.in_trash(folder_id) else outside).append(message_id)
    now = rows.ts(datetime.now(UTC))
    moved = []
    for message_id in outside:
        origin = delivery.load(conn, message_id).folder_id
        moved += move(conn, [message_id], tree.trash, {"trashed_from": origin, "trashed_at": now})
    return moved + inside, destroy(conn, account_id, inside)


def restore(conn: sqlite3.Connection, account_id: str, ids: list[str]) -> list[str]:
    tree = Tree(conn, account_id)
    inbox = tree.by_role["inbox"]
    restored = []
    for message_id in ids:
        current = delivery.load(conn, message_id)
        if not tree.in_trash(current.folder_id):
            continue
        origin = current.trashed_from
        if origin is None or origin not in tree.rows or tree.in_trash(origin):
            origin = inbox
        restored += move(conn, [message_id], origin, {"trashed_from": None, "trashed_at": None})
    return restored


def destroy(conn: sqlite3.Connection, account_id: str, ids: list[str]) -> Removal:
    removal = Removal()
    for message_id in ids:
        current = delivery.load(conn, message_id)
        conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
        folders.count(conn, current.folder_id, -1, -int(current.unread))
        conn.execute(
            "UPDATE accounts SET used_bytes = used_bytes - ? WHERE id = ?",
            (current.size, account_id),
        )
        journal.message_removed(conn, account_id, message_id, current.folder_id)
        orphan_check(conn, current.blob_id)
        removal.message_ids.append(message_id)
        removal.freed_bytes += current.size
    return removal


def orphan_check(conn: sqlite3.Connection, blob_id: str) -> None:
    """Put the blob on the orphan list if no message or upload refers to it any more."""
    if blob_in_use(conn, blob_id):
        return
    conn.execute(
        "INSERT OR IGNORE INTO orphan_blobs(blob_id, since) VALUES (?, ?)",
        (blob_id, rows.ts(datetime.now(UTC))),
    )


def blob_in_use(conn: sqlite3.Connection, blob_id: str) -> bool:
    return any(
        conn.execute(f"SELECT 1 FROM {table} WHERE blob_id = ? LIMIT 1", (blob_id,)).fetchone()
        for table in ("messages", "uploads")
    )
