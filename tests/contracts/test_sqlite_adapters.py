"""The embedded adapters against their contracts: SQLite mailbox, file blobs, FTS5 index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from tests.contracts.blob_contract import BlobStoreContract
from tests.contracts.index_contract import SearchIndexContract
from tests.contracts.mailbox_contract import MailboxStoreContract


class TestSqliteMailboxStore(MailboxStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SqliteMailboxStore]:
        store = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
        yield store
        await store.close()


class TestFsBlobStore(BlobStoreContract):
    @pytest.fixture
    async def blobs(self, tmp_path: Path) -> AsyncIterator[FsBlobStore]:
        yield FsBlobStore(tmp_path / "blobs")


class TestFts5Index(SearchIndexContract):
    @pytest.fixture
    async def index(self, tmp_path: Path) -> AsyncIterator[Fts5Index]:
        index = await Fts5Index.open(tmp_path / "index.sqlite3")
        yield index
        await index.close()
