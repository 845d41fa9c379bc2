"""A SQLite connection driven from asyncio through one dedicated thread.

SQLite connections are not thread-safe and every call blocks, so each database gets one
worker thread that owns its connection; coroutines hand it functions to run. WAL mode
lets readers in other processes (the CLI, a second service) work beside the writer;
`synchronous=FULL` makes every commit durable before it returns.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class SqliteDatabase:
    def __init__(self, path: Path, setup: Callable[[sqlite3.Connection], None]) -> None:
        """`setup` brings a new connection's database to the current schema."""
        self._path = path
        self._setup = setup
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{path.name}")
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self.run(lambda _c: None)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._setup(conn)
            self._conn = conn
        return self._conn

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(self._connection()))

    async def transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back if it raises)."""

        def body(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await self.run(body)

    async def ping(self) -> None:
        """Raise unless the database file opens and reads now, through a new read-only
        connection: the one in use goes on working on a file since removed or on a
        volume gone, which the next start would not find."""

        def probe() -> None:
            uri = f"{self._path.resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=1.0)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()

        await asyncio.to_thread(probe)

    async def close(self) -> None:
        def shut(_conn: sqlite3.Connection) -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._conn is not None:
            await self.run(shut)
        self._executor.shutdown(wait=True)
