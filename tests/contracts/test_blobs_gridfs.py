"""The GridFS blob store against the blob contract (skips without a server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.store.adapters.gridfs_blobs import GridFsBlobStore
from tests.contracts.blob_contract import BlobStoreContract
from tests.remote import fresh_database


class TestGridFsBlobStore(BlobStoreContract):
    @pytest.fixture
    async def blobs(self, mongodb_uri: str) -> AsyncIterator[GridFsBlobStore]:
        async with fresh_database(mongodb_uri) as database:
            blobs = await GridFsBlobStore.open(mongodb_uri, database)
            try:
                yield blobs
            finally:
                await blobs.close()
