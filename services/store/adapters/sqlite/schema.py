"""The SQLite schema and its migrations, applied in order and tracked by `user_version`.

A migration is never edited once released: a change to the schema is a new file.
"""

from __future__ import annotations

import sqlite3
from importlib.resources import files

from shared.events import derived_id

_PACKAGE = files("services.store.adapters.sqlite")
MIGRATIONS: tuple[str, ...] = tuple(
    _PACKAGE.joinpath(name).read_text()
    for name in (
        "schema_v1.sql",
        "schema_v2.sql",
        "schema_v3.sql",
        "schema_v4.sql",
        "schema_v5.sql",
        "schema_v6.sql",
        "schema_v7.sql",
        "schema_v8.sql",
        "schema_v9.sql",
        "schema_v10.sql",
        "schema_v11.sql",
        "schema_v12.sql",
    )
)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to the latest version, one step per transaction.

    Several processes open the same file at start-up (the embedded run's services), so
    each step reads the version under the write lock: the first applies it, the others
    find it done. Migrations may call `bureau_derived_id(part, …)`, `shared.events.derived_id`.
    """
    conn.create_function("bureau_derived_id", -1, derived_id, deterministic=True)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version >= len(MIGRATIONS):
                conn.execute("COMMIT")
                return
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """Split a script into statements (sqlite3.complete_statement knows where each ends)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                out.append(current)
            current = ""
    if current.strip():
        out.append(current)
    return out
