"""Search index on SQLite FTS5 (the embedded default).

`unicode61 remove_diacritics 2` folds case and accents, so "ete" finds "été". Each
document also carries its account as a token in the `acct` column, and every MATCH is
ANDed with it, so a query intersects the account's posting list with the words' and
never scans other accounts' mail. Ranking is BM25 with subject and sender weighing more
than the body. A removed message leaves a row in `tombstones` (its removal's modseq)
instead of the `docs` row, so late changes at or below it are refused; a message has
one or the other, never both. The index is derived data: when its layout changes it is
rebuilt empty and `bureau search reindex` fills it from the mailbox store.
"""

from __future__ import annotations

import html
import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from services.search.adapters.fts5_query import TEXT_COLUMNS, account_token, compile_query
from shared.mail.query import MAX_RESULTS, Node, fold
from shared.ports.index import IndexDocument, SearchHit, SearchResults, SearchSort
from shared.runtime.sqlite import SqliteDatabase

log = logging.getLogger(__name__)

VERSION = 4
# Layouts that SCHEMA brings up to VERSION in place: 3 lacks only the tombstones table.
_UPGRADABLE = (0, 3, VERSION)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs (
    rowid       INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    folder_id   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    sender      TEXT NOT NULL,
    date        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    unread      INTEGER NOT NULL,
    flagged     INTEGER NOT NULL,
    has_attachments INTEGER NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    modseq      INTEGER NOT NULL,
    UNIQUE (account_id, message_id)
);
CREATE INDEX IF NOT EXISTS docs_account_date ON docs(account_id, date);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    acct, {", ".join(TEXT_COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '4 5 6'
);
CREATE TABLE IF NOT EXISTS tombstones (
    account_id  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    modseq      INTEGER NOT NULL,
    removed_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tombstones_removed_at ON tombstones(removed_at);
"""

# bm25 weights, in column order: acct, subject, sender, to, cc, body, attachment names, text.
_RANK = "bm25(fts, 0.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.5)"
_BODY = 1 + TEXT_COLUMNS.index("body")
_OPEN, _CLOSE = "\x02", "\x03"  # snippet markers, replaced by <mark> after escaping
_SNIPPET = f"snippet(fts, {_BODY}, '{_OPEN}', '{_CLOSE}', '…', 24)"
_SNIPPET_CHARS = 160


def _setup(conn: sqlite3.Connection) -> None:
    conn.create_function(
        "bureau_fold", 1, lambda v: fold(v) if isinstance(v, str) else v, deterministic=True
    )
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version not in _UPGRADABLE:
        log.warning("search index layout changed: rebuilding it empty; run `bureau search reindex`")
        conn.executescript(
            "DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS tombstones;"
        )
    conn.executescript(SCHEMA)
    conn.execute(f"PRAGMA user_version = {VERSION}")


def snippet_html(raw: str) -> str:
    """Escape an FTS5 snippet, then turn its markers into <mark> elements; on one line
    (the mail's line ends and runs of spaces are one space)."""
    text = html.escape(" ".join(raw.split()), quote=False)
    return text.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


class Fts5Index:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> Fts5Index:
        db = SqliteDatabase(path, _setup)
        await db.open()
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self._db.ping()

    async def upsert(self, doc: IndexDocument) -> None:
        await self._db.transaction(lambda conn: _upsert(conn, doc))

    async def update_state(
        self,
        account_id: str,
        message_id: str,
        *,
        folder_id: str,
        unread: bool,
        flagged: bool,
        tags: list[str],
        modseq: int,
    ) -> bool:
        state = (folder_id, int(unread), int(flagged), json.dumps(tags), modseq)

        def update(conn: sqlite3.Connection) -> bool:
            conn.execute(
                "UPDATE docs SET folder_id = ?, unread = ?, flagged = ?, tags = ?, modseq = ?"
                " WHERE account_id = ? AND message_id = ? AND modseq <= ?",
                (*state, account_id, message_id, modseq),
            )
            found = conn.execute(
                "SELECT 1 FROM docs WHERE account_id = ? AND message_id = ?",
                (account_id, message_id),
            )
            if found.fetchone() is not None:
                return True
            removed = _tombstone(conn, account_id, message_id)
            return removed is not None and removed >= modseq

        return await self._db.transaction(update)

    async def delete(self, account_id: str, message_id: str, *, modseq: int) -> None:
        removed_at = _timestamp(datetime.now(UTC))

        def remove(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT rowid, modseq FROM docs WHERE account_id = ? AND message_id = ?",
                (account_id, message_id),
            ).fetchone()
            if row is not None:
                if row["modseq"] > modseq:
                    return  # stored again after this removal
                conn.execute("DELETE FROM fts WHERE rowid = ?", (row["rowid"],))
                conn.execute("DELETE FROM docs WHERE rowid = ?", (row["rowid"],))
            conn.execute(
                "INSERT INTO tombstones(account_id, message_id, modseq, removed_at)"
                " VALUES (?,?,?,?) ON CONFLICT (account_id, message_id) DO UPDATE"
                " SET modseq = excluded.modseq, removed_at = excluded.removed_at"
                " WHERE excluded.modseq > tombstones.modseq",
                (account_id, message_id, modseq, removed_at),
            )

        await self._db.transaction(remove)

    async def prune_tombstones(self, before: datetime) -> int:
        cutoff = _timestamp(before)

        def prune(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM tombstones WHERE removed_at < ?", (cutoff,)).rowcount

        return int(await self._db.transaction(prune))

    async def search(
        self,
        account_id: str,
        query: Node,
        *,
        limit: int = MAX_RESULTS,
        offset: int = 0,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> SearchResults:
        return await self._db.run(
            lambda conn: _search(conn, account_id, query, min(limit, MAX_RESULTS), offset, sort)
        )

    async def clear(self, account_id: str) -> None:
        def remove(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM fts WHERE rowid IN (SELECT rowid FROM docs WHERE account_id = ?)",
                (account_id,),
            )
            conn.execute("DELETE FROM docs WHERE account_id = ?", (account_id,))
            conn.execute("DELETE FROM tombstones WHERE account_id = ?", (account_id,))

        await self._db.transaction(remove)

    async def count(self, account_id: str) -> int:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT count(*) FROM docs WHERE account_id = ?", (account_id,)
            ).fetchone()
        )
        return int(row[0])


def _search(
    conn: sqlite3.Connection,
    account_id: str,
    query: Node,
    limit: int,
    offset: int,
    sort: SearchSort,
) -> SearchResults:
    compiled = compile_query(query, account_id)
    where: list[str] = []
    params: list[object] = []
    if compiled.match is not None:
        source = "fts JOIN docs d ON d.rowid = fts.rowid"
        where.append("fts MATCH ?")
        params.append(compiled.match)
        rank, snippet = _RANK, _SNIPPET
    else:
        source = "docs d JOIN fts ON fts.rowid = d.rowid"
        where.append("d.account_id = ?")
        params.append(account_id)
        rank, snippet = "0.0", f"substr(fts.body, 1, {_SNIPPET_CHARS})"
    if compiled.where is not None:
        where.append(compiled.where.text)
        params.extend(compiled.where.params)
    condition = " AND ".join(where)
    total = conn.execute(f"SELECT count(*) FROM {source} WHERE {condition}", params).fetchone()[0]
    order = "d.date DESC, d.rowid DESC"
    if sort is SearchSort.RELEVANCE and compiled.match is not None:
        order = f"score, {order}"
    rows = conn.execute(
        f"SELECT d.message_id, d.folder_id, d.subject, d.sender, d.date, {rank} AS score,"
        f" {snippet} AS snippet FROM {source} WHERE {condition} ORDER BY {order}"
        " LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return SearchResults(
        items=[
            SearchHit(
                message_id=r["message_id"],
                folder_id=r["folder_id"],
                subject=r["subject"],
                sender=r["sender"],
                date=datetime.fromisoformat(r["date"]),
                score=-float(r["score"]),
                snippet=snippet_html(r["snippet"] or ""),
            )
            for r in rows
        ],
        total=int(total),
    )


def _timestamp(moment: datetime) -> str:
    """A sortable text form (UTC, fixed width), as the docs' dates are kept."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _tombstone(conn: sqlite3.Connection, account_id: str, message_id: str) -> int | None:
    """The modseq of the message's removal, if it was removed."""
    row = conn.execute(
        "SELECT modseq FROM tombstones WHERE account_id = ? AND message_id = ?",
        (account_id, message_id),
    ).fetchone()
    return None if row is None else int(row[0])


def _upsert(conn: sqlite3.Connection, doc: IndexDocument) -> None:
    removed = _tombstone(conn, doc.account_id, doc.message_id)
    if removed is not None:
        if removed >= doc.modseq:
            return  # a late change of a message removed since
        conn.execute(
            "DELETE FROM tombstones WHERE account_id = ? AND message_id = ?",
            (doc.account_id, doc.message_id),
        )
    row = conn.execute(
        "SELECT rowid, modseq FROM docs WHERE account_id = ? AND message_id = ?",
        (doc.account_id, doc.message_id),
    ).fetchone()
    if row is not None:
        if row["modseq"] > doc.modseq:
            return  # a late redelivery of an older state
        conn.execute("DELETE FROM fts WHERE rowid = ?", (row["rowid"],))
        conn.execute("DELETE FROM docs WHERE rowid = ?", (row["rowid"],))
    cursor = conn.execute(
        "INSERT INTO docs(account_id, message_id, folder_id, subject, sender, date, size, unread,"
        " flagged, has_attachments, tags, modseq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            doc.account_id, doc.message_id, doc.folder_id, doc.subject, doc.sender,
            _timestamp(doc.date), doc.size, int(doc.unread),
            int(doc.flagged), int(doc.has_attachments), json.dumps(doc.tags), doc.modseq,
        ),
    )  # fmt: skip
    conn.execute(
        f"INSERT INTO fts(rowid, acct, {', '.join(TEXT_COLUMNS)}) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            cursor.lastrowid, account_token(doc.account_id), doc.subject, doc.sender, doc.to,
            doc.cc, doc.body, " ".join(doc.attachment_names), doc.attachment_text,
        ),
    )  # fmt: skip
