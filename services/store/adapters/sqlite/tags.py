"""Tags (F50): a colour, no renaming; messages carry tag names."""

from __future__ import annotations

import sqlite3
import uuid

from services.store.adapters.sqlite import changes, rows
from shared.model import Tag
from shared.ports.mailbox import Conflict, NotFound, Refused

MAX_NAME = 64


def get(conn: sqlite3.Connection, account_id: str, tag_id: str) -> Tag:
    row = conn.execute(
        "SELECT * FROM tags WHERE account_id = ? AND id = ?", (account_id, tag_id)
    ).fetchone()
    if row is None:
        raise NotFound(f"tag {tag_id}")
    return rows.tag(row)


def create(conn: sqlite3.Connection, account_id: str, name: str, color: str) -> Tag:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise Refused(f"a tag name has 1 to {MAX_NAME} characters")
    tag = Tag(id=uuid.uuid4().hex, account_id=account_id, name=name, color=color)
    try:
        conn.execute(
            "INSERT INTO tags(id, account_id, name, color) VALUES (?, ?, ?, ?)",
            (tag.id, account_id, name, color),
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(f"a tag named {name!r} exists") from exc
    return tag


def set_color(conn: sqlite3.Connection, account_id: str, tag_id: str, color: str) -> Tag:
    get(conn, account_id, tag_id)
    conn.execute("UPDATE tags SET color = ? WHERE id = ?", (color, tag_id))
    return get(conn, account_id, tag_id)


def delete(conn: sqlite3.Connection, account_id: str, tag_id: str) -> None:
    tag = get(conn, account_id, tag_id)
    changes.retag(
        conn, carrying(conn, account_id, tag.name), lambda ts: [t for t in ts if t != tag.name]
    )
    conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,))


def carrying(conn: sqlite3.Connection, account_id: str, name: str) -> list[str]:
    return [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM messages WHERE account_id = ?"
            " AND EXISTS (SELECT 1 FROM json_each(messages.tags) WHERE value = ?)",
            (account_id, name),
        )
    ]


def apply(
    conn: sqlite3.Connection, account_id: str, ids: list[str], tag_id: str, add: bool
) -> list[str]:
    name = get(conn, account_id, tag_id).name
    if add:
        return changes.retag(conn, ids, lambda ts: ts if name in ts else [*ts, name])
    return changes.retag(conn, ids, lambda ts: [t for t in ts if t != name])
