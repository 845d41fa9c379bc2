"""Blob store port: raw messages (and later attachments), addressed by their content."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from datetime import datetime
from typing import Protocol


class BlobNotFound(KeyError):
    """No blob has this id."""


class BlobTooLarge(ValueError):
    """A streamed blob went past the size it was allowed; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def blob_id_for(data: bytes) -> str:
    """Content address of `data`: identical messages share one blob."""
    return "sha256-" + hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store `data` durably (synced to disk or acknowledged by a majority) and return its id.

        Idempotent: putting the same bytes again returns the same id and stores nothing new,
        but refreshes `last_written`, so a blob about to be collected is kept for new mail.
        """
        ...

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_size: int | None = None
    ) -> tuple[str, int]:
        """Like `put`, for bytes that arrive in chunks (an upload): never holds them all in
        memory. Returns the blob id and the size. Raises `BlobTooLarge` past `max_size`,
        leaving nothing behind."""
        ...

    async def last_written(self, blob_id: str) -> datetime | None:
        """When `put` last stored or refreshed these bytes; None if there is no such blob."""
        ...

    async def get(self, blob_id: str) -> bytes:
        """The bytes stored under `blob_id`; raises `BlobNotFound`."""
        ...

    async def get_many(self, blob_ids: list[str], *, head: int | None = None) -> list[bytes | None]:
        """The bytes of each blob, in order; None for one that does not exist. With `head`,
        at most that many first bytes of each (a message's header, say). One round trip
        where the store allows it (IMAP FETCH reads thousands)."""
        ...

    async def exists(self, blob_id: str) -> bool: ...

    async def delete(self, blob_id: str) -> None:
        """Remove a blob; removing an absent one is not an error."""
        ...

    async def ping(self) -> None:
        """Raise unless the store answers now: a cheap check for readiness that reads
        nothing of any account."""
        ...

    async def close(self) -> None: ...
