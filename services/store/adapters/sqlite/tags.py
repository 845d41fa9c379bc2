"""Tags (F50): a colour, no renaming; messages carry tag names, within `TagLimits`."""

from __future__ import annotations

import sqlite3
import uuid

from services.store.adapters.sqlite import flagging, rows
from shared.model import DEFAULT_TAG_COLOR, FlagChange, Tag, TagChange, TagLimits, tag_name
from shared.ports.mailbox import Conflict, LimitExceeded, NotFound, kept_name, resolve_tags


def get(conn: sqlite3.Connection, account_id: str, tag_id: str) -> Tag:
    row = conn.execute(
        "SELECT * FROM tags WHERE account_id = ? AND id = ?", (account_id, tag_id)
    ).fetchone()
    if row is None:
        raise NotFound(f"tag {tag_id}")
    return rows.tag(row)


def _room(conn: sqlite3.Connection, account_id: str, wanted: int, limits: TagLimits) -> None:
    """Refuse `wanted` more tags past the account's bound (existing ones keep working)."""
    row = conn.execute("SELECT count(*) FROM tags WHERE account_id = ?", (account_id,))
    count = int(row.fetchone()[0])
    if count + wanted > limits.per_account:
        raise LimitExceeded(f"an account has at most {limits.per_account} tags ({count} now)")


def create(
    conn: sqlite3.Connection, account_id: str, name: str, color: str, limits: TagLimits
) -> Tag:
    name = kept_name(tag_name, name)
    if conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is None:
        raise NotFound(f"account {account_id}")
    if conn.execute(
        "SELECT 1 FROM tags WHERE account_id = ? AND name = ?", (account_id, name)
    ).fetchone():
        raise Conflict(f"a tag named {name!r} exists")
    _room(conn, account_id, 1, limits)
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
    """Off every message (however many: a tag can always go), then the tag."""
    tag = get(conn, account_id, tag_id)
    ids = carrying(conn, account_id, tag.name)
    flagging.change(conn, account_id, ids, FlagChange(), TagChange(remove=[tag.name]), None)
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


def resolve(
    conn: sqlite3.Connection, account_id: str, change: TagChange, limits: TagLimits
) -> TagChange:
    """The change in the names the account's tags have, the new ones made (grey) within
    the account's bound (`resolve_tags`)."""
    known = [
        r["name"] for r in conn.execute("SELECT name FROM tags WHERE account_id = ?", (account_id,))
    ]
    resolved, new = resolve_tags(change, set(known))
    if new:
        _room(conn, account_id, len(new), limits)
        conn.executemany(
            "INSERT INTO tags(id, account_id, name, color) VALUES (?, ?, ?, ?)",
            [(uuid.uuid4().hex, account_id, n, DEFAULT_TAG_COLOR) for n in new],
        )
    return resolved


def change(
    conn: sqlite3.Connection,
    account_id: str,
    ids: list[str],
    flags: FlagChange,
    tags: TagChange,
    limits: TagLimits,
) -> list[str]:
    """Flags and tags of messages in one change (`MailboxStore.change_flags`)."""
    if refusal := limits.too_large(len(ids), tags):
        raise LimitExceeded(refusal)
    touches = tags.named or tags.replace is not None
    resolved = resolve(conn, account_id, tags, limits) if touches else None
    return flagging.change(conn, account_id, ids, flags, resolved, limits)


def apply(
    conn: sqlite3.Connection,
    account_id: str,
    ids: list[str],
    tag_id: str,
    add: bool,
    limits: TagLimits,
) -> list[str]:
    name = get(conn, account_id, tag_id).name
    tags = TagChange(add=[name]) if add else TagChange(remove=[name])
    return change(conn, account_id, ids, FlagChange(), tags, limits)
