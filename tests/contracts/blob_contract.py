"""The blob store contract: subclasses provide an async `blobs` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.ports.blobs import BlobNotFound, BlobStore, BlobTooLarge, blob_id_for


class BlobStoreContract:
    async def test_ping_answers(self, blobs: BlobStore) -> None:
        await blobs.ping()

    async def test_round_trip_is_content_addressed(self, blobs: BlobStore) -> None:
        data = b"From: a@b\r\n\r\nbody\r\n"
        blob_id = await blobs.put(data)
        assert blob_id == blob_id_for(data)
        assert await blobs.get(blob_id) == data
        assert await blobs.put(data) == blob_id
        assert await blobs.exists(blob_id)

    async def test_get_many_in_order_with_the_missing_as_none(self, blobs: BlobStore) -> None:
        first, second = await blobs.put(b"first\r\n"), await blobs.put(b"second\r\n")
        missing = blob_id_for(b"never stored")
        assert await blobs.get_many([second, missing, first, second]) == [
            b"second\r\n", None, b"first\r\n", b"second\r\n",
        ]  # fmt: skip
        assert await blobs.get_many([]) == []
        assert await blobs.get_many([first, missing, second], head=3) == [b"fir", None, b"sec"]
        assert await blobs.get_many([first], head=100) == [b"first\r\n"]

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

    async def test_put_stream_is_content_addressed_like_put(self, blobs: BlobStore) -> None:
        data = bytes(range(256)) * 4_000  # ~1 MB, in chunks of many sizes
        pieces = [data[:1], data[1:70_000], b"", data[70_000:600_001], data[600_001:]]
        blob_id, size = await blobs.put_stream(_chunks(pieces))
        assert (blob_id, size) == (blob_id_for(data), len(data))
        assert await blobs.get(blob_id) == data
        assert await blobs.put(data) == blob_id
        assert await blobs.put_stream(_chunks([data]), max_size=len(data)) == (blob_id, len(data))
        assert await blobs.get(blob_id) == data

    async def test_put_stream_of_nothing(self, blobs: BlobStore) -> None:
        assert await blobs.put_stream(_chunks([])) == (blob_id_for(b""), 0)
        assert await blobs.get(blob_id_for(b"")) == b""

    async def test_put_stream_refreshes_last_written(self, blobs: BlobStore) -> None:
        import asyncio

        blob_id = await blobs.put(b"uploaded twice")
        first = await blobs.last_written(blob_id)
        assert first is not None
        await asyncio.sleep(0.05)
        assert (await blobs.put_stream(_chunks([b"uploaded ", b"twice"])))[0] == blob_id
        second = await blobs.last_written(blob_id)
        assert second is not None and second > first

    async def test_put_stream_too_large_leaves_nothing(self, blobs: BlobStore) -> None:
        data = b"x" * 10_000
        with pytest.raises(BlobTooLarge) as raised:
            await blobs.put_stream(_chunks([data[:6_000], data[6_000:]]), max_size=9_999)
        assert raised.value.limit == 9_999
        assert not await blobs.exists(blob_id_for(data))
        assert not await blobs.exists(blob_id_for(data[:6_000]))
        # Nothing half-written stands in the way of the same bytes later.
        assert await blobs.put_stream(_chunks([data]), max_size=10_000) == (
            blob_id_for(data),
            len(data),
        )
        assert await blobs.get(blob_id_for(data)) == data


async def _chunks(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece
