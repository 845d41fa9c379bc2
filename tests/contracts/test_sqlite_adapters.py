"""The embedded adapters against their contracts: SQLite mailbox, file blobs, FTS5 index."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from services.store.adapters.sqlite.schema import MIGRATIONS
from shared.events import derived_id
from shared.model import Profile, TagLimits
from shared.ports.blobs import BlobTooLarge
from shared.ports.mailbox import AccountExists
from tests.contracts.blob_contract import BlobStoreContract
from tests.contracts.index_contract import SearchIndexContract
from tests.contracts.mailbox_contract import MailboxStoreContract
from tests.contracts.mailbox_ordering_contract import OrderingContract
from tests.contracts.mailbox_support import OpenStore


class TestSqliteMailboxStore(
    MailboxStoreContract,
    OrderingContract,
):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SqliteMailboxStore]:
        store = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
        yield store
        await store.close()

    @pytest.fixture
    async def open_store(self, tmp_path: Path) -> AsyncIterator[OpenStore]:
        opened: list[SqliteMailboxStore] = []

        async def open_store(limits: TagLimits) -> SqliteMailboxStore:
            opened.append(await SqliteMailboxStore.open(tmp_path / "m.sqlite3", limits=limits))
            return opened[-1]

        yield open_store
        for store in opened:
            await store.close()

    async def test_upgrade_gives_existing_accounts_their_identity(self, tmp_path: Path) -> None:
        path = tmp_path / "old.sqlite3"
        conn = sqlite3.connect(path, isolation_level=None)
        for script in MIGRATIONS[:3]:  # a database of the release before sending
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 3")
        conn.execute("INSERT INTO domains VALUES ('example.test', '2026-01-01')")
        conn.execute(
            "INSERT INTO accounts(id, address, domain, password_hash, created_at)"
            " VALUES ('a1', 'alice@example.test', 'example.test', 'h',"
            " '2026-01-01T00:00:00.000000+00:00')"
        )
        conn.close()
        store = await SqliteMailboxStore.open(path)
        try:
            [primary] = await store.identities("a1")
            assert (primary.id, primary.address) == (
                derived_id("a1", "identity"),
                "alice@example.test",
            )
            account = await store.account("a1")
            assert account is not None and not account.external_senders
            assert await store.profile("a1") == Profile()
            with pytest.raises(AccountExists):
                await store.add_alias("a1", "alice@example.test")
        finally:
            await store.close()


    async def test_upgrade_counts_uidvalidity_past_every_one_given(self, tmp_path: Path) -> None:
        """Folders of a database from before the count had clock seconds: the count
        starts past them, and past the time of the upgrade."""
        path = tmp_path / "old.sqlite3"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.create_function("bureau_derived_id", -1, derived_id, deterministic=True)
        for script in MIGRATIONS[:9]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 9")
        conn.execute("INSERT INTO domains VALUES ('example.test', '2026-01-01')")
        for account, address in (("a1", "alice"), ("a2", "bob")):
            conn.execute(
                "INSERT INTO accounts(id, address, domain, password_hash, created_at)"
                f" VALUES ('{account}', '{address}@example.test', 'example.test', 'h',"
                " '2026-01-01T00:00:00.000000+00:00')"
            )
        ahead = int(time.time()) + 1000  # a clock that was ahead, say
        conn.execute(
            "INSERT INTO folders(id, account_id, name, uidvalidity) VALUES ('f1', 'a1', 'Old', ?)",
            (ahead,),
        )
        conn.close()
        before = int(time.time())
        store = await SqliteMailboxStore.open(path)
        try:
            assert (await store.create_folder("a1", "New", None)).uidvalidity == ahead + 1
            assert (await store.create_folder("a2", "New", None)).uidvalidity > before
        finally:
            await store.close()


class TestFsBlobStore(BlobStoreContract):
    @pytest.fixture
    async def blobs(self, tmp_path: Path) -> AsyncIterator[FsBlobStore]:
        yield FsBlobStore(tmp_path / "blobs")

    async def test_put_stream_leaves_no_temporary_file(
        self, blobs: FsBlobStore, tmp_path: Path
    ) -> None:
        async def chunks(*pieces: bytes) -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece

        with pytest.raises(BlobTooLarge):
            await blobs.put_stream(chunks(b"a" * 10, b"b" * 10), max_size=15)
        assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
        blob_id, _ = await blobs.put_stream(chunks(b"kept"))
        await blobs.put_stream(chunks(b"ke", b"pt"))  # already there: the copy is dropped
        files = [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
        assert files == [blob_id]


class TestFts5Index(SearchIndexContract):
    @pytest.fixture
    async def index(self, tmp_path: Path) -> AsyncIterator[Fts5Index]:
        index = await Fts5Index.open(tmp_path / "index.sqlite3")
        yield index
        await index.close()
