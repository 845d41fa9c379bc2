"""Blob store on MongoDB GridFS (the distributed mode): one GridFS file per blob.

The content address is the file's `_id` and its filename, so a second `put` of the same
bytes finds the first, and a concurrent one meets the unique index instead of storing a
second copy.

A streamed blob (`put_stream`) is hashed while it is written under a temporary id; then
its chunks take the content id (or are dropped when a blob has these bytes already) and
its files document is written, the last step as in `put`.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from typing import cast

from bson.int64 import Int64
from gridfs import AsyncGridFSBucket
from gridfs.errors import FileExists, NoFile
from pymongo import ASCENDING, AsyncMongoClient, IndexModel, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError
from pymongo.write_concern import WriteConcern

from shared.ports.blobs import BlobNotFound, BlobTooLarge, blob_id_for

Doc = dict[str, object]

# "Acknowledged by a majority" (the port's durability promise); on a standalone mongod,
# written to its journal.
_DURABLE = WriteConcern(w="majority", j=True)
CHUNK_SIZE = 255 * 1024  # GridFS's default; fixed, since `_complete` rebuilds chunks by number
INCOMING = ".incoming"  # the filename of a streamed blob not yet under its content id


class GridFsBlobStore:
    """`BlobStore` on a GridFS bucket (collections `<bucket>.files` and `<bucket>.chunks`)."""

    def __init__(self, client: AsyncMongoClient[Doc], database: str, bucket: str = "blobs") -> None:
        self._client = client
        db = client.get_database(database, write_concern=_DURABLE)
        self._bucket = AsyncGridFSBucket(
            db, bucket_name=bucket, chunk_size_bytes=CHUNK_SIZE, write_concern=_DURABLE
        )
        self._files: AsyncCollection[Doc] = db[f"{bucket}.files"]
        self._chunks: AsyncCollection[Doc] = db[f"{bucket}.chunks"]

    @classmethod
    async def open(cls, uri: str, database: str, *, bucket: str = "blobs") -> GridFsBlobStore:
        """Connect and create GridFS's indexes up front (the driver would on first write)."""
        client: AsyncMongoClient[Doc] = AsyncMongoClient(uri, tz_aware=True, tzinfo=UTC)
        store = cls(client, database, bucket)
        try:
            # The same keys GridFS's spec asks for, so the driver finds them and adds none.
            await store._files.create_indexes(
                [IndexModel([("filename", ASCENDING), ("uploadDate", ASCENDING)])]
            )
            await store._chunks.create_indexes(
                [IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)]
            )
        except BaseException:
            await client.close()
            raise
        return store

    async def put(self, data: bytes) -> str:
        blob_id = blob_id_for(data)
        if await self._refresh(blob_id):
            return blob_id
        try:
            await self._bucket.upload_from_stream_with_id(blob_id, blob_id, data)
        except FileExists:
            # Chunks or a file of this id exist already: a concurrent put of the same bytes,
            # or an earlier put that died between its chunks and its files document.
            if not await self.exists(blob_id):
                await self._complete(blob_id, data)
        return blob_id

    async def _complete(self, blob_id: str, data: bytes) -> None:
        """Write every chunk of `data` whatever is there already, then the files document.

        Safe beside a concurrent writer of the same blob: chunk n of the same bytes is the
        same whoever writes it, and the files document is only inserted, never replaced,
        once every chunk is in.
        """
        count = -(-len(data) // CHUNK_SIZE)  # an empty blob has no chunk at all
        if count:
            await self._chunks.bulk_write(
                [
                    ReplaceOne(
                        {"files_id": blob_id, "n": n},
                        {
                            "files_id": blob_id,
                            "n": n,
                            "data": data[n * CHUNK_SIZE : (n + 1) * CHUNK_SIZE],
                        },
                        upsert=True,
                    )
                    for n in range(count)
                ],
                ordered=False,
            )
        await self._seal(blob_id, len(data))

    async def _seal(self, blob_id: str, length: int) -> None:
        """Once every chunk is in: drop any past the end, and insert the files document."""
        count = -(-length // CHUNK_SIZE)
        await self._chunks.delete_many({"files_id": blob_id, "n": {"$gte": count}})
        await self._files.update_one(
            {"_id": blob_id},
            {
                "$setOnInsert": {
                    "filename": blob_id,
                    "length": Int64(length),
                    "chunkSize": CHUNK_SIZE,
                    "uploadDate": datetime.now(UTC),
                }
            },
            upsert=True,
        )

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_size: int | None = None
    ) -> tuple[str, int]:
        temporary = f"incoming-{uuid.uuid4().hex}"
        stream = self._bucket.open_upload_stream_with_id(temporary, INCOMING)
        digest, size = hashlib.sha256(), 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise BlobTooLarge(max_size)
                digest.update(chunk)
                await stream.write(chunk)
            await stream.close()
        except BaseException:
            await stream.abort()  # removes the chunks written so far
            raise
        blob_id = "sha256-" + digest.hexdigest()
        try:
            if not await self._refresh(blob_id):
                await self._adopt(temporary, blob_id, size)
        finally:
            await self._files.delete_one({"_id": temporary})
            await self._chunks.delete_many({"files_id": temporary})
        return blob_id, size

    async def _adopt(self, temporary: str, blob_id: str, size: int) -> None:
        """Give the temporary chunks the content id, then write the files document."""
        try:
            await self._chunks.update_many({"files_id": temporary}, {"$set": {"files_id": blob_id}})
        except DuplicateKeyError:
            # Some chunks of these bytes are there already (a concurrent put, or one that
            # died before its files document): chunk n is the same whoever writes it, so
            # the rest are copied over them one by one.
            async for chunk in self._chunks.find({"files_id": temporary}):
                await self._chunks.replace_one(
                    {"files_id": blob_id, "n": chunk["n"]},
                    {"files_id": blob_id, "n": chunk["n"], "data": chunk["data"]},
                    upsert=True,
                )
        await self._seal(blob_id, size)

    async def _refresh(self, blob_id: str) -> bool:
        """Mark an existing blob as written now (the collector spares it); False if absent."""
        result = await self._files.update_one(
            {"_id": blob_id}, {"$set": {"metadata.last_put": datetime.now(UTC)}}
        )
        return result.matched_count > 0

    async def last_written(self, blob_id: str) -> datetime | None:
        doc = await self._files.find_one({"_id": blob_id}, {"uploadDate": True, "metadata": True})
        if doc is None:
            return None
        metadata = cast(Doc, doc.get("metadata") or {})
        written = cast(datetime, metadata.get("last_put") or doc["uploadDate"])
        return written if written.tzinfo else written.replace(tzinfo=UTC)

    async def get(self, blob_id: str) -> bytes:
        try:
            async with await self._bucket.open_download_stream(blob_id) as stream:
                return await stream.read()
        except NoFile:
            raise BlobNotFound(blob_id) from None

    async def get_many(self, blob_ids: list[str], *, head: int | None = None) -> list[bytes | None]:
        out: list[bytes | None] = []
        for blob_id in blob_ids:
            try:
                async with await self._bucket.open_download_stream(blob_id) as stream:
                    out.append(await stream.read(-1 if head is None else head))
            except NoFile:
                out.append(None)
        return out

    async def exists(self, blob_id: str) -> bool:
        return await self._files.find_one({"_id": blob_id}, {"_id": True}) is not None

    async def delete(self, blob_id: str) -> None:
        with contextlib.suppress(NoFile):  # absent already: not an error
            await self._bucket.delete(blob_id)

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()
