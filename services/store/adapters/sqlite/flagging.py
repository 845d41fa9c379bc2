"""Flags and tags of many messages in one change (IMAP STORE, the API's actions, a tag
deleted), inside the caller's transaction.

The cost is that of what changes: each message is read once and, if its flags or tags
change, written once with one journal entry, by a few statements per chunk of messages
(executemany), however many tags the change names. The tags a change names are checked
against `TagLimits` before anything is written; a message that would come to carry more
than its bound raises `LimitExceeded` and the caller's transaction undoes the rest.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

from services.store.adapters.sqlite import journal, rows
from services.store.adapters.sqlite.rows import SUMMARY_COLUMNS
from shared.events import ChangeKind, MailboxChanged, derived_id
from shared.model import FlagChange, MessageSummary, TagChange, TagLimits
from shared.ports.mailbox import LimitExceeded

_CHUNK = 500  # messages read, then written, at once (SQLite binds at most 32766 values)
_FLAGS = ("unread", "flagged", "deleted", "answered", "draft")


def change(
    conn: sqlite3.Connection,
    account_id: str,
    ids: list[str],
    flags: FlagChange,
    tags: TagChange | None,
    limits: TagLimits | None,
) -> list[str]:
    """Apply `flags` and `tags` (tag names the account has) to the messages `ids` of the
    account; returns those that changed. `limits`: what a message's tags may not grow
    past (None: nothing, for taking a tag off everywhere)."""
    wanted = {name: value for name, value in flags.model_dump().items() if value is not None}
    changed: list[str] = []
    for chunk in _chunks(ids):
        plan = _plan(conn, account_id, chunk, wanted, tags, limits)
        if plan:
            _write(conn, account_id, plan)
            changed += [m.id for m, _ in plan]
    return changed


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _plan(
    conn: sqlite3.Connection,
    account_id: str,
    ids: list[str],
    wanted: dict[str, bool],
    tags: TagChange | None,
    limits: TagLimits | None,
) -> list[tuple[MessageSummary, bool]]:
    """The messages of `ids` that change, as they will be (modseq not yet given), each
    with whether it was unread."""
    marks = ",".join("?" * len(ids))
    found = conn.execute(  # by primary key ("+": not by an index of the account's messages)
        f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE +account_id = ? AND id IN ({marks})",
        (account_id, *ids),
    ).fetchall()
    by_id = {r["id"]: r for r in found}
    plan: list[tuple[MessageSummary, bool]] = []
    for message_id in ids:
        row = by_id.get(message_id)
        if row is None:
            continue
        update: dict[str, object] = {
            name: value for name, value in wanted.items() if bool(row[name]) != value
        }
        if tags is not None:
            before: list[str] = json.loads(row["tags"])
            after = tags.apply(before)
            if after != before:
                if limits is not None and (refusal := limits.too_many(before, after)):
                    raise LimitExceeded(refusal)
                update["tags"] = after
        if update:
            plan.append((rows.summary(row).model_copy(update=update), bool(row["unread"])))
    return plan


def _write(
    conn: sqlite3.Connection, account_id: str, plan: list[tuple[MessageSummary, bool]]
) -> None:
    """Write the planned messages, each with its own modseq and journal entry."""
    first = journal.next_modseq(conn, account_id, len(plan)) - len(plan) + 1
    now = datetime.now(UTC)
    unread: Counter[str] = Counter()
    messages = []
    for n, (message, was_unread) in enumerate(plan):
        message.modseq = first + n
        unread[message.folder_id] += int(message.unread) - int(was_unread)
        messages.append(message)
    conn.executemany(
        "UPDATE messages SET unread = ?, flagged = ?, deleted = ?, answered = ?, draft = ?,"
        " tags = ?, modseq = ? WHERE id = ?",
        [
            (*(int(getattr(m, name)) for name in _FLAGS), json.dumps(m.tags), m.modseq, m.id)
            for m in messages
        ],
    )
    conn.executemany(
        "UPDATE folders SET unread = unread + ? WHERE id = ?",
        [(delta, folder_id) for folder_id, delta in unread.items() if delta],
    )
    journal.write_many(
        conn,
        [
            MailboxChanged(
                event_id=derived_id(m.id, ChangeKind.MESSAGE_UPDATED.value, str(m.modseq)),
                account_id=account_id,
                modseq=m.modseq,
                kind=ChangeKind.MESSAGE_UPDATED,
                message_id=m.id,
                folder_id=m.folder_id,
                message=m,
                at=now,
            )
            for m in messages
        ],
    )
