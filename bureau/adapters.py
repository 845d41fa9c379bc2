"""Chooses and opens the adapters behind each port from the settings (the composition root).

MongoDB when `BUREAU_MONGODB_URI` is set, else SQLite and files under the data directory;
OpenSearch when `BUREAU_OPENSEARCH_URL` is set, else SQLite FTS5.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from shared.ports.blobs import BlobStore
from shared.ports.index import SearchIndex
from shared.ports.mailbox import MailboxStore
from shared.settings import CommonSettings


class Adapters:
    """Opens each adapter on first use and closes them all at the end."""

    def __init__(self, settings: CommonSettings) -> None:
        self._settings = settings
        self._stack = AsyncExitStack()
        self._mailbox: MailboxStore | None = None
        self._blobs: BlobStore | None = None
        self._index: SearchIndex | None = None

    async def mailbox(self) -> MailboxStore:
        if self._mailbox is None:
            s = self._settings
            if s.mongodb_uri is not None:
                from services.store.adapters.mongo import MongoMailboxStore

                mailbox: MailboxStore = await MongoMailboxStore.open(
                    s.mongodb_uri.get_secret_value(), s.mongodb_database, limits=s.tag_limits
                )
            else:
                from services.store.adapters.sqlite import SqliteMailboxStore

                mailbox = await SqliteMailboxStore.open(s.mailbox_db, limits=s.tag_limits)
            self._stack.push_async_callback(mailbox.close)
            self._mailbox = mailbox
        return self._mailbox

    async def blobs(self) -> BlobStore:
        if self._blobs is None:
            s = self._settings
            if s.mongodb_uri is not None:
                from services.store.adapters.gridfs_blobs import GridFsBlobStore

                blobs: BlobStore = await GridFsBlobStore.open(
                    s.mongodb_uri.get_secret_value(), s.mongodb_database
                )
            else:
                from services.store.adapters.fs_blobs import FsBlobStore

                blobs = FsBlobStore(s.blob_dir)
            self._stack.push_async_callback(blobs.close)
            self._blobs = blobs
        return self._blobs

    async def index(self) -> SearchIndex:
        if self._index is None:
            s = self._settings
            if s.opensearch_url is not None:
                from services.search.adapters.opensearch import OpenSearchIndex

                index: SearchIndex = await OpenSearchIndex.open(
                    s.opensearch_url.get_secret_value(), s.opensearch_index_prefix
                )
            else:
                from services.search.adapters.fts5 import Fts5Index

                index = await Fts5Index.open(s.index_db)
            self._stack.push_async_callback(index.close)
            self._index = index
        return self._index

    async def close(self) -> None:
        await self._stack.aclose()
