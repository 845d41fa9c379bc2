"""Compiles the query tree (`shared.mail.query`) for the SQLite FTS5 index.

Text nodes become FTS5 MATCH expressions (column filters, "quoted" tokens, prefix `*`,
phrases, AND/OR/NOT); structured nodes (tag, folder, flags, dates, sizes) become SQL
conditions on the `docs` table. The text part of the top-level AND is the *main* match,
which ranks (bm25) and gives snippets; the rest filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from shared.mail.query import (
    After,
    And,
    Before,
    Flag,
    HasAttachment,
    InFolder,
    Is,
    Larger,
    Node,
    Not,
    Or,
    Phrase,
    Smaller,
    TagIs,
    TextField,
    Word,
)

TEXT_COLUMNS = (
    "subject",
    "sender",
    "to_addr",
    "cc_addr",
    "body",
    "attachment_names",
    "attachment_text",
)
_FIELD_COLUMNS: dict[TextField, tuple[str, ...]] = {
    TextField.ANY: TEXT_COLUMNS,
    TextField.FROM: ("sender",),
    TextField.TO: ("to_addr",),
    TextField.CC: ("cc_addr",),
    TextField.SUBJECT: ("subject",),
    TextField.BODY: ("body",),
    TextField.ATTACHMENT: ("attachment_names", "attachment_text"),
}
_FLAGS = {
    Flag.UNREAD: "d.unread = 1",
    Flag.READ: "d.unread = 0",
    Flag.FLAGGED: "d.flagged = 1",
    Flag.UNFLAGGED: "d.flagged = 0",
}


@dataclass
class Sql:
    text: str
    params: list[object] = field(default_factory=list)


@dataclass
class Compiled:
    """`match`: the FTS5 expression that ranks (None: no text to rank by);
    `where`: the remaining SQL condition on `docs d` (None: nothing more)."""

    match: str | None
    where: Sql | None


def account_token(account_id: str) -> str:
    return "a" + "".join(ch for ch in account_id if ch.isalnum())


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _quote(text: str) -> str:
    # SQLite reads the expression as a C string: a NUL would end it inside the quotes
    # ("unterminated string"). The tokenizer splits words on control characters anyway.
    return '"' + _CONTROL.sub(" ", text).replace('"', '""') + '"'


def _grouped(node: Node, expression: str) -> str:
    """`expression` as an operand: a word or phrase stands alone, the rest in parentheses
    (FTS5's own parser nests no deeper than it must)."""
    return expression if isinstance(node, Word | Phrase) else f"({expression})"


def _columns(text_field: TextField) -> str:
    return "{" + " ".join(_FIELD_COLUMNS[text_field]) + "}"


def match_of(node: Node) -> str | None:
    """The FTS5 expression of a text-only subtree, else None."""
    if isinstance(node, Word):
        return f"{_columns(node.field)} : {_quote(node.text)}{'*' if node.prefix else ''}"
    if isinstance(node, Phrase):
        return f"{_columns(node.field)} : {_quote(node.text)}"
    if isinstance(node, And):
        positive: list[str] = []
        negative: list[str] = []
        for item in node.items:
            operand = item.item if isinstance(item, Not) else item
            inner = match_of(operand)
            if inner is None:
                return None
            (negative if isinstance(item, Not) else positive).append(_grouped(operand, inner))
        if not positive:
            return None  # FTS5 cannot say "everything but"
        expression = " AND ".join(positive)
        if negative:  # a NOT b NOT c is a NOT (b OR c): one level however many
            expression = f"({expression}) NOT ({' OR '.join(negative)})"
        return expression
    if isinstance(node, Or):
        parts: list[str] = []
        for item in node.items:
            inner = match_of(item)
            if inner is None:
                return None
            parts.append(_grouped(item, inner))
        return " OR ".join(parts)
    return None


def with_account(account_id: str, expression: str) -> str:
    return f"acct : {_quote(account_token(account_id))} AND ({expression})"


def sql_of(node: Node, account_id: str) -> Sql:
    """A condition on `docs d` for any subtree."""
    text = match_of(node)
    if text is not None:
        return Sql(
            "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)",
            [with_account(account_id, text)],
        )
    if isinstance(node, TagIs):
        return Sql(
            "EXISTS (SELECT 1 FROM json_each(d.tags) WHERE bureau_fold(value) = bureau_fold(?))",
            [node.name],
        )
    if isinstance(node, InFolder):
        if not node.folder_ids:
            return Sql("0")
        return Sql(f"d.folder_id IN ({','.join('?' * len(node.folder_ids))})", [*node.folder_ids])
    if isinstance(node, Is):
        return Sql(_FLAGS[node.flag])
    if isinstance(node, HasAttachment):
        return Sql("d.has_attachments = 1")
    if isinstance(node, Before):
        return Sql("d.date < ?", [_day_start(node.day)])
    if isinstance(node, After):
        return Sql("d.date >= ?", [_day_start(node.day)])
    if isinstance(node, Larger):
        return Sql("d.size > ?", [node.size])
    if isinstance(node, Smaller):
        return Sql("d.size < ?", [node.size])
    if isinstance(node, Not):
        inner = sql_of(node.item, account_id)
        return Sql(f"NOT ({inner.text})", inner.params)
    if isinstance(node, And | Or):
        parts = [sql_of(item, account_id) for item in node.items]
        joiner = " AND " if isinstance(node, And) else " OR "
        return Sql(
            "(" + joiner.join(f"({p.text})" for p in parts) + ")",
            [param for p in parts for param in p.params],
        )
    raise TypeError(f"not a query node: {node!r}")


def compile_query(node: Node, account_id: str) -> Compiled:
    """Split the tree into the ranking match and the filtering rest."""
    whole = match_of(node)
    if whole is not None:
        return Compiled(with_account(account_id, whole), None)
    if isinstance(node, And):
        text_items = [i for i in node.items if match_of(i.item if isinstance(i, Not) else i)]
        main = match_of(And(tuple(text_items))) if text_items else None
        rest = [i for i in node.items if main is None or i not in text_items]
        where = sql_of(And(tuple(rest)), account_id) if rest else None
        return Compiled(with_account(account_id, main) if main else None, where)
    return Compiled(None, sql_of(node, account_id))


def _day_start(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=UTC).isoformat(timespec="microseconds")
