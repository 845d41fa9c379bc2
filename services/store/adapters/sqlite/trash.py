"""Emptying and purging Trash (F38, F40), and making room for new mail in a full account."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from services.store.adapters.sqlite import accounts, changes, folders, rows
from services.store.adapters.sqlite.folders import Tree
from shared.model import Removal


def _merge(total: Removal, part: Removal) -> None:
    total.message_ids += part.message_ids
    total.folder_ids += part.folder_ids
    total.freed_bytes += part.freed_bytes


def _messages_in(conn: sqlite3.Connection, folder_ids: list[str]) -> list[str]:
    marks = ",".join("?" * len(folder_ids))
    return [
        r["id"]
        for r in conn.execute(f"SELECT id FROM messages WHERE folder_id IN ({marks})", folder_ids)
    ]


def remove_subtrees(
    conn: sqlite3.Connection, account_id: str, tree: Tree, tops: list[str]
) -> Removal:
    """Remove folders (with everything below them and in them) for good."""
    removal = Removal()
    for top in tops:
        subtree = [top, *tree.descendants(top)]
        _merge(removal, changes.destroy(conn, account_id, _messages_in(conn, subtree)))
        folders.remove(conn, tree, subtree)
        removal.folder_ids += subtree
    return removal


def empty(conn: sqlite3.Connection, account_id: str) -> Removal:
    tree = Tree(conn, account_id)
    removal = changes.destroy(conn, account_id, _messages_in(conn, [tree.trash]))
    tops = [r["id"] for r in tree.rows.values() if r["parent_id"] == tree.trash]
    _merge(removal, remove_subtrees(conn, account_id, tree, tops))
    return removal


def purge(conn: sqlite3.Connection, account_id: str, older_than: datetime) -> Removal:
    tree = Tree(conn, account_id)
    cutoff = rows.ts(older_than)
    expired = [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM messages WHERE folder_id = ? AND COALESCE(trashed_at, received_at) < ?",
            (tree.trash, cutoff),
        )
    ]
    removal = changes.destroy(conn, account_id, expired)
    tops = [
        r["id"]
        for r in tree.rows.values()
        if r["parent_id"] == tree.trash and (r["trashed_at"] or "") < cutoff
    ]
    _merge(removal, remove_subtrees(conn, account_id, tree, tops))
    return removal


def make_room(conn: sqlite3.Connection, account_id: str, needed: int) -> Removal:
    """Remove Trash messages, oldest trashed first, until `needed` more bytes fit."""
    removal = Removal()
    tree = Tree(conn, account_id)
    area = tree.trash_area()
    marks = ",".join("?" * len(area))
    candidates = conn.execute(
        f"SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id"
        f" WHERE m.folder_id IN ({marks})"
        " ORDER BY COALESCE(m.trashed_at, f.trashed_at, m.received_at), m.id",
        area,
    ).fetchall()
    for row in candidates:
        if _fits(conn, account_id, needed):
            break
        _merge(removal, changes.destroy(conn, account_id, [row["id"]]))
    return removal


def _fits(conn: sqlite3.Connection, account_id: str, needed: int) -> bool:
    quota = accounts.quota(conn, account_id)
    return quota.limit_bytes is None or quota.used_bytes + needed <= quota.limit_bytes
