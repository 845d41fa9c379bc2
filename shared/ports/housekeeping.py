"""Housekeeping role of the mailbox store: what the store service's periodic jobs
clean (`services/store/housekeeping.py`): Trash past its retention, expired uploads,
blobs no message or upload uses."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.model import Removal


class Housekeeping(Protocol):
    """Periodic cleaning: Trash purged, uploads expired, orphan blobs collected."""

    async def purge_trash(self, account_id: str, older_than: datetime) -> Removal:
        """Remove for good what went to Trash before `older_than` (messages by the time they
        were trashed; folders in Trash with them once empty)."""
        ...

    async def expire_uploads(self, created_before: datetime, limit: int = 500) -> int:
        """Forget uploads created before `created_before`; their blobs join the orphan
        list (collected after the grace period unless a message or upload uses them).
        Returns how many uploads were forgotten."""
        ...

    async def orphan_blobs(self, limit: int = 500) -> list[tuple[str, datetime]]:
        """Blobs that lost their last message, with when that happened, oldest first."""
        ...

    async def settle_orphan(self, blob_id: str) -> bool:
        """Take a blob off the orphan list; True if still no message or upload refers to it
        (so the caller may delete it), False if one refers to it again."""
        ...
