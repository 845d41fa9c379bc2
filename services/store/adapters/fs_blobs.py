"""Blob store in a directory, content-addressed: `<root>/ab/cd/sha256-abcd…`.

A blob is written to a temporary file, fsynced, renamed into place and its directory
fsynced, so `put` returns only once the bytes survive a crash (ingest answers 250
after it). Identical bytes map to one file. A streamed blob is hashed while it is written
to a temporary file in the root (`.incoming-…`), then renamed the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from shared.ports.blobs import BlobNotFound, BlobTooLarge, blob_id_for
from shared.runtime.files import write_atomically

_BLOB_ID = re.compile(r"^sha256-[0-9a-f]{64}$")


class FsBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, blob_id: str) -> Path:
        if not _BLOB_ID.match(blob_id):
            raise BlobNotFound(blob_id)
        digest = blob_id.removeprefix("sha256-")
        return self._root / digest[:2] / digest[2:4] / blob_id

    async def put(self, data: bytes) -> str:
        blob_id = blob_id_for(data)
        await asyncio.to_thread(self._write, self._path(blob_id), data)
        return blob_id

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            os.utime(path)  # refresh: the blob collector spares recently written blobs
            return
        new_dirs = _make_parents(path)
        write_atomically(path, data, prefix=".incoming-")
        _sync_new_name(path, new_dirs)

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_size: int | None = None
    ) -> tuple[str, int]:
        fd, name = await asyncio.to_thread(tempfile.mkstemp, dir=self._root, prefix=".incoming-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest, size = hashlib.sha256(), 0
                async for chunk in chunks:
                    size += len(chunk)
                    if max_size is not None and size > max_size:
                        raise BlobTooLarge(max_size)
                    digest.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
                await asyncio.to_thread(_sync, out)
            blob_id = "sha256-" + digest.hexdigest()
            await asyncio.to_thread(self._place, tmp, self._path(blob_id))
        except BaseException:
            _discard(tmp)  # at once, even when cancelled: nothing is left behind
            raise
        return blob_id, size

    @staticmethod
    def _place(tmp: Path, path: Path) -> None:
        """Move a synced temporary file to its content address (or drop it, refreshing the
        blob that has these bytes already)."""
        if path.exists():
            os.utime(path)
            tmp.unlink()
            return
        new_dirs = _make_parents(path)
        os.replace(tmp, path)
        _sync_new_name(path, new_dirs)

    async def last_written(self, blob_id: str) -> datetime | None:
        try:
            stat = await asyncio.to_thread(self._path(blob_id).stat)
        except (FileNotFoundError, BlobNotFound):
            return None
        return datetime.fromtimestamp(stat.st_mtime, UTC)

    async def get(self, blob_id: str) -> bytes:
        path = self._path(blob_id)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise BlobNotFound(blob_id) from exc

    async def get_many(self, blob_ids: list[str], *, head: int | None = None) -> list[bytes | None]:
        def read(blob_id: str) -> bytes:
            with self._path(blob_id).open("rb") as file:
                return file.read() if head is None else file.read(head)

        def read_all() -> list[bytes | None]:
            out: list[bytes | None] = []
            for blob_id in blob_ids:
                try:
                    out.append(read(blob_id))
                except (FileNotFoundError, BlobNotFound):
                    out.append(None)
            return out

        return await asyncio.to_thread(read_all)

    async def exists(self, blob_id: str) -> bool:
        try:
            return self._path(blob_id).exists()
        except BlobNotFound:
            return False

    async def delete(self, blob_id: str) -> None:
        try:
            path = self._path(blob_id)
        except BlobNotFound:
            return
        await asyncio.to_thread(path.unlink, True)

    async def ping(self) -> None:
        """The root is there and takes a new file (not a volume gone or made read-only)."""

        def probe() -> None:
            fd, name = tempfile.mkstemp(dir=self._root, prefix=".ping-")
            os.close(fd)
            os.unlink(name)

        await asyncio.to_thread(probe)

    async def close(self) -> None:
        return None


def _discard(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)


def _sync(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())


def _make_parents(path: Path) -> list[Path]:
    """Create the directories `path` goes in; returns those that were new."""
    new_dirs = [d for d in (path.parent.parent, path.parent) if not d.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    return new_dirs


def _sync_new_name(path: Path, new_dirs: list[Path]) -> None:
    """The new name, and any directory made for it, must reach the disk too."""
    for directory in [path.parent, *(d.parent for d in reversed(new_dirs))]:
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
