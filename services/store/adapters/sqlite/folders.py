"""Folder tree rules (F35-F37) on one connection, inside the caller's transaction."""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import UTC, datetime

from services.store.adapters.sqlite import journal, rows
from shared.events import ChangeKind
from shared.model import MAX_FOLDER_DEPTH, NO_SUBFOLDERS, Folder, FolderRole, folder_name
from shared.ports.mailbox import Conflict, NotFound, Refused, kept_name

MAX_UIDVALIDITY = 2**32 - 1  # a non-zero 32-bit number (RFC 9051 §2.3.1.1)


class Tree:
    """An account's folders, loaded once for the checks of one operation."""

    def __init__(self, conn: sqlite3.Connection, account_id: str) -> None:
        self.rows = {
            r["id"]: r
            for r in conn.execute("SELECT * FROM folders WHERE account_id = ?", (account_id,))
        }
        self.by_role = {r["role"]: r["id"] for r in self.rows.values() if r["role"]}

    def get(self, folder_id: str) -> sqlite3.Row:
        row = self.rows.get(folder_id)
        if row is None:
            raise NotFound(f"folder {folder_id}")
        return row

    @property
    def trash(self) -> str:
        return str(self.by_role[FolderRole.TRASH.value])

    def ancestors(self, folder_id: str) -> list[str]:
        out: list[str] = []
        parent = self.rows[folder_id]["parent_id"]
        while parent is not None and parent not in out:
            out.append(parent)
            parent = self.rows[parent]["parent_id"]
        return out

    def descendants(self, folder_id: str) -> list[str]:
        """Every folder below `folder_id`, parents before children."""
        children: dict[str, list[str]] = {}
        for row in self.rows.values():
            if row["parent_id"] is not None:
                children.setdefault(row["parent_id"], []).append(row["id"])
        out: list[str] = []
        queue = list(children.get(folder_id, []))
        while queue:
            current = queue.pop(0)
            out.append(current)
            queue.extend(children.get(current, []))
        return out

    def in_trash(self, folder_id: str) -> bool:
        """Trash itself, or a folder somewhere inside it."""
        return folder_id == self.trash or self.trash in self.ancestors(folder_id)

    def trash_area(self) -> list[str]:
        return [self.trash, *self.descendants(self.trash)]

    def unread_below(self, folder_id: str) -> bool:
        return any(self.rows[d]["unread"] > 0 for d in self.descendants(folder_id))

    def sibling_named(self, parent_id: str | None, name: str) -> str | None:
        for row in self.rows.values():
            if row["parent_id"] == parent_id and row["name"].casefold() == name.casefold():
                return str(row["id"])
        return None


def clean_name(name: str) -> str:
    return kept_name(folder_name, name)


def new_uidvalidity(conn: sqlite3.Connection, account_id: str, count: int = 1) -> int:
    """The first of `count` UIDVALIDITY values the account never gave (RFC 9051
    §2.3.1.1): the clock second, or one more than the last given when that is later
    (Dovecot's way), so a folder deleted and made again within a second gets a new one."""
    row = conn.execute(
        "UPDATE accounts SET uidvalidity = MAX(uidvalidity + ?, ?) WHERE id = ?"
        " RETURNING uidvalidity",
        (count, int(time.time()) + count - 1, account_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    last = int(row["uidvalidity"])
    if last > MAX_UIDVALIDITY:
        raise Refused("this account has used up its folder identities (UIDVALIDITY)")
    return last - count + 1


def _check_parent(tree: Tree, parent_id: str | None, height: int = 1) -> None:
    """Whether a folder (with `height` levels of subfolders and itself) may go there."""
    if parent_id is None:
        return
    parent = tree.get(parent_id)
    if len(tree.ancestors(parent_id)) + 1 + height > MAX_FOLDER_DEPTH:
        raise Refused(f"folders nest at most {MAX_FOLDER_DEPTH} levels deep")
    if parent["role"] in {role.value for role in NO_SUBFOLDERS}:
        raise Refused(f"no subfolders under {parent['name']}")
    if tree.in_trash(parent_id):
        raise Refused("no folders can be made inside Trash")


def _height(tree: Tree, folder_id: str) -> int:
    """Levels of a folder and its subfolders: 1 for a folder without any."""
    base = len(tree.ancestors(folder_id))
    return 1 + max((len(tree.ancestors(d)) - base for d in tree.descendants(folder_id)), default=0)


def _user_folder(tree: Tree, folder_id: str) -> sqlite3.Row:
    row = tree.get(folder_id)
    if row["role"]:
        raise Refused(f"{row['name']} is a system folder")
    return row


def create(conn: sqlite3.Connection, account_id: str, name: str, parent_id: str | None) -> Folder:
    tree = Tree(conn, account_id)
    name = clean_name(name)
    _check_parent(tree, parent_id)
    if tree.sibling_named(parent_id, name):
        raise Conflict(f"a folder named {name!r} exists there")
    folder_id = uuid.uuid4().hex
    conn.execute(
        "INSERT INTO folders(id, account_id, name, parent_id, uidvalidity, uidnext)"
        " VALUES (?, ?, ?, ?, ?, 1)",
        (folder_id, account_id, name, parent_id, new_uidvalidity(conn, account_id)),
    )
    return journal.folder(conn, ChangeKind.FOLDER_CHANGED, folder_id)


def rename(conn: sqlite3.Connection, account_id: str, folder_id: str, name: str) -> Folder:
    tree = Tree(conn, account_id)
    row = _user_folder(tree, folder_id)
    name = clean_name(name)
    if name == row["name"]:
        return rows.folder(row, tree.unread_below(folder_id))  # nothing to change
    other = tree.sibling_named(row["parent_id"], name)
    if other and other != folder_id:
        raise Conflict(f"a folder named {name!r} exists there")
    conn.execute("UPDATE folders SET name = ? WHERE id = ?", (name, folder_id))
    return journal.folder(conn, ChangeKind.FOLDER_CHANGED, folder_id)


def move(
    conn: sqlite3.Connection, account_id: str, folder_id: str, parent_id: str | None
) -> Folder:
    tree = Tree(conn, account_id)
    row = _user_folder(tree, folder_id)
    if parent_id == row["parent_id"]:
        return rows.folder(row, tree.unread_below(folder_id))  # already there
    if parent_id == folder_id or parent_id in tree.descendants(folder_id):
        raise Refused("a folder cannot move into itself or one of its subfolders")
    _check_parent(tree, parent_id, _height(tree, folder_id))
    if tree.sibling_named(parent_id, row["name"]):
        raise Conflict(f"a folder named {row['name']!r} exists there")
    conn.execute("UPDATE folders SET parent_id = ? WHERE id = ?", (parent_id, folder_id))
    return journal.folder(conn, ChangeKind.FOLDER_CHANGED, folder_id)


def to_trash(conn: sqlite3.Connection, account_id: str, folder_id: str) -> Folder:
    """Move a user folder (subfolders and messages with it) into Trash, renaming it if
    Trash already holds one of that name."""
    tree = Tree(conn, account_id)
    row = _user_folder(tree, folder_id)
    if tree.in_trash(folder_id):
        return rows.folder(row, tree.unread_below(folder_id))  # already deleted
    name, n = row["name"], 2
    while tree.sibling_named(tree.trash, name):
        name, n = f"{row['name']} ({n})", n + 1
    conn.execute(
        "UPDATE folders SET parent_id = ?, name = ?, trashed_at = ? WHERE id = ?",
        (tree.trash, name, rows.ts(datetime.now(UTC)), folder_id),
    )
    return journal.folder(conn, ChangeKind.FOLDER_CHANGED, folder_id)


def remove(conn: sqlite3.Connection, tree: Tree, folder_ids: list[str]) -> None:
    """Delete empty folders for good, children first (their messages are already gone)."""
    for folder_id in reversed(folder_ids):
        snapshot = journal.folder(conn, ChangeKind.FOLDER_REMOVED, folder_id)
        conn.execute(
            "DELETE FROM folders WHERE id = ? AND account_id = ?", (folder_id, snapshot.account_id)
        )
        tree.rows.pop(folder_id, None)


def listing(conn: sqlite3.Connection, account_id: str) -> list[Folder]:
    tree = Tree(conn, account_id)
    ordered = conn.execute(
        "SELECT id FROM folders WHERE account_id = ? ORDER BY role IS NULL, rowid", (account_id,)
    ).fetchall()
    return [rows.folder(tree.rows[r["id"]], tree.unread_below(r["id"])) for r in ordered]


def count(conn: sqlite3.Connection, folder_id: str, total: int, unread: int) -> None:
    conn.execute(
        "UPDATE folders SET total = total + ?, unread = unread + ? WHERE id = ?",
        (total, unread, folder_id),
    )


def next_uid(conn: sqlite3.Connection, folder_id: str) -> int:
    row = conn.execute(
        "UPDATE folders SET uidnext = uidnext + 1 WHERE id = ? RETURNING uidnext", (folder_id,)
    ).fetchone()
    return int(row["uidnext"]) - 1
