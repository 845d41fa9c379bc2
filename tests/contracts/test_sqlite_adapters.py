"""The embedded adapters against their contracts: SQLite mailbox, file blobs, FTS5 index."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from services.store.adapters.sqlite.schema import MIGRATIONS
from shared.events import derived_id
from shared.model import Profile
from shared.ports.blobs import BlobTooLarge
from shared.ports.mailbox import AccountExists
from tests.contracts.blob_contract import BlobStoreContract
from tests.contracts.index_contract import SearchIndexContract
from tests.contracts.mailbox_automation_contract import AutomationContract
from tests.contracts.mailbox_contract import MailboxStoreContract
from tests.contracts.mailbox_filters_contract import FiltersContract
from tests.contracts.mailbox_imap_contract import ImapContract
from tests.contracts.mailbox_senders_contract import SendersContract


class TestSqliteMailboxStore(
    MailboxStoreContract, SendersContract, ImapContract, FiltersContract, AutomationContract
):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SqliteMailboxStore]:
        store = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
        yield store
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
