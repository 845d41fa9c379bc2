"""The blob store contract: subclasses provide an async `blobs` fixture."""

from __future__ import annotations

import pytest

from shared.ports.blobs import BlobNotFound, BlobStore, blob_id_for


class BlobStoreContract:
    async def test_round_trip_is_content_addressed(self, blobs: BlobStore) -> None:
        data = b"From: a@b\r\n\r\nbody\r\n"
        blob_id = await blobs.put(data)
        assert blob_id == blob_id_for(data)
        assert await blobs.get(blob_id) == data
        assert await blobs.put(data) == blob_id
        assert await blobs.exists(blob_id)

    async def test_large_binary_blob(self, blobs: BlobStore) -> None:
        data = bytes(range(256)) * 40_000  # ~10 MB
        blob_id = await blobs.put(data)
        assert await blobs.get(blob_id) == data

    async def test_missing_blob(self, blobs: BlobStore) -> None:
        missing = blob_id_for(b"never stored")
        assert not await blobs.exists(missing)
        with pytest.raises(BlobNotFound):
            await blobs.get(missing)
        with pytest.raises(BlobNotFound):
            await blobs.get("../../etc/passwd")

    async def test_delete(self, blobs: BlobStore) -> None:
        blob_id = await blobs.put(b"to be removed")
        await blobs.delete(blob_id)
        assert not await blobs.exists(blob_id)
        await blobs.delete(blob_id)  # absent: not an error

    async def test_last_written_is_refreshed_by_put(self, blobs: BlobStore) -> None:
        import asyncio
        from datetime import UTC, datetime, timedelta

        assert await blobs.last_written(blob_id_for(b"absent")) is None
        blob_id = await blobs.put(b"kept for new mail")
        first = await blobs.last_written(blob_id)
        assert first is not None
        assert abs(first - datetime.now(UTC)) < timedelta(seconds=5)
        await asyncio.sleep(0.05)
        await blobs.put(b"kept for new mail")
        second = await blobs.last_written(blob_id)
        assert second is not None and second > first
