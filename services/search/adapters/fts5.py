"""Search index on SQLite FTS5 (the embedded default).

`unicode61 remove_diacritics 2` folds case and accents, so "ete" finds "été". Each
document also carries its account as a token in the `acct` column, so a query is the
intersection of the account's posting list with the words' — it never scans other
accounts' mail. Ranking is BM25 with subject and sender weighing more than the body.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

from shared.ports.index import IndexDocument, SearchHit, SearchResults
from shared.sqlite import SqliteDatabase

SCHEMA = """
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
    modseq      INTEGER NOT NULL,
    UNIQUE (account_id, message_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    acct, subject, sender, recipients, body, attachments,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

# bm25 weights per column: acct, subject, sender, recipients, body, attachments.
_RANK = "bm25(fts, 0.0, 3.0, 2.0, 1.0, 1.0, 1.0)"
_WORD = re.compile(r"\w+", re.UNICODE)


def _acct_token(account_id: str) -> str:
    return "a" + re.sub(r"\W", "", account_id)


def match_expression(account_id: str, words: str) -> str | None:
    """FTS5 MATCH text: the account token AND every word (as a quoted string)."""
    tokens = _WORD.findall(words)
    if not tokens:
        return None
    quoted = " AND ".join(f'"{t}"' for t in tokens)
    return f'acct:"{_acct_token(account_id)}" AND ({quoted})'


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


class Fts5Index:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> Fts5Index:
        db = SqliteDatabase(path, _create_schema)
        await db.open()
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

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
        modseq: int,
    ) -> None:
        await self._db.transaction(
            lambda c: c.execute(
                "UPDATE docs SET folder_id = ?, unread = ?, flagged = ?, modseq = ?"
                " WHERE account_id = ? AND message_id = ? AND modseq <= ?",
                (folder_id, int(unread), int(flagged), modseq, account_id, message_id, modseq),
            )
        )

    async def delete(self, account_id: str, message_id: str) -> None:
        def remove(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT rowid FROM docs WHERE account_id = ? AND message_id = ?",
                (account_id, message_id),
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM fts WHERE rowid = ?", (row[0],))
                conn.execute("DELETE FROM docs WHERE rowid = ?", (row[0],))

        await self._db.transaction(remove)

    async def search(
        self, account_id: str, words: str, *, limit: int = 200, offset: int = 0
    ) -> SearchResults:
        expression = match_expression(account_id, words)
        if expression is None:
            return SearchResults(items=[], total=0)

        def query(conn: sqlite3.Connection) -> SearchResults:
            total = conn.execute(
                "SELECT count(*) FROM fts WHERE fts MATCH ?", (expression,)
            ).fetchone()[0]
            rows = conn.execute(
                f"SELECT d.message_id, d.folder_id, d.subject, d.sender, d.date, {_RANK} AS score"
                " FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?"
                " ORDER BY score, d.date DESC LIMIT ? OFFSET ?",
                (expression, limit, offset),
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
                    )
                    for r in rows
                ],
                total=int(total),
            )

        return await self._db.run(query)

    async def count(self, account_id: str) -> int:
        row = await self._db.run(
            lambda c: c.execute(
                "SELECT count(*) FROM docs WHERE account_id = ?", (account_id,)
            ).fetchone()
        )
        return int(row[0])


def _upsert(conn: sqlite3.Connection, doc: IndexDocument) -> None:
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
        " flagged, has_attachments, modseq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            doc.account_id,
            doc.message_id,
            doc.folder_id,
            doc.subject,
            doc.sender,
            doc.date.isoformat(timespec="microseconds"),
            doc.size,
            int(doc.unread),
            int(doc.flagged),
            int(doc.has_attachments),
            doc.modseq,
        ),
    )
    conn.execute(
        "INSERT INTO fts(rowid, acct, subject, sender, recipients, body, attachments)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            cursor.lastrowid,
            _acct_token(doc.account_id),
            doc.subject,
            doc.sender,
            f"{doc.to} {doc.cc}",
            doc.body,
            " ".join(doc.attachment_names),
        ),
    )
