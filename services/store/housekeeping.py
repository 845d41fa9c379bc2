"""The store's periodic work: Trash purged after each account's retention (F40), uploads
forgotten after their lifetime, and blobs that no message or upload uses any more deleted
once a grace period has passed.

The grace period covers mail in flight: a message whose bytes equal a collected blob's
may have been accepted (its blob `put`, refreshing `last_written`) but not yet delivered.
Several store replicas may run this at once; every step is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.store.metrics import StoreMetrics
from shared.ports.blobs import BlobStore
from shared.ports.uses import StoreMailbox
from shared.runtime.background import Background

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_BATCH = 500  # uploads expired per call


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Housekeeping:
    def __init__(
        self,
        mailbox: StoreMailbox,
        blobs: BlobStore,
        *,
        interval: float,
        blob_grace: float,
        upload_lifetime: float = 86400.0,
        clock: Clock = _utcnow,
        metrics: StoreMetrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._mailbox = mailbox
        self._blobs = blobs
        self._interval = interval
        self._grace = timedelta(seconds=blob_grace)
        self._upload_lifetime = timedelta(seconds=upload_lifetime)
        self._clock = clock
        self._task = Background("store-housekeeping", self._loop)

    async def purge_trash(self) -> int:
        """Remove, in every account, what has been in Trash longer than its retention."""
        removed, after = 0, None
        while accounts := await self._mailbox.accounts(after=after):
            for account in accounts:
                days = (await self._mailbox.preferences(account.id)).trash_retention_days
                cutoff = self._clock() - timedelta(days=days)
                removal = await self._mailbox.purge_trash(account.id, cutoff)
                removed += len(removal.message_ids)
            after = accounts[-1].id
        return removed

    async def expire_uploads(self) -> int:
        """Forget uploads older than their lifetime (their blobs become orphans)."""
        cutoff = self._clock() - self._upload_lifetime
        expired = 0
        while (count := await self._mailbox.expire_uploads(cutoff, _BATCH)) > 0:
            expired += count
            if count < _BATCH:
                break
        return expired

    async def collect_blobs(self) -> int:
        """Delete orphan blobs older than the grace period; returns how many went."""
        deleted = 0
        limit = self._clock() - self._grace
        for blob_id, since in await self._mailbox.orphan_blobs():
            if since > limit:
                break  # the list is oldest first
            written = await self._blobs.last_written(blob_id)
            if written is not None and written > limit:
                continue  # new mail brought these bytes again: wait for its delivery
            if await self._mailbox.settle_orphan(blob_id):
                await self._blobs.delete(blob_id)
                deleted += 1
        return deleted

    async def run_once(self) -> None:
        purged = await self.purge_trash()
        expired = await self.expire_uploads()
        collected = await self.collect_blobs()
        if self._metrics is not None:
            self._metrics.removed.inc(purged, kind="trash_messages")
            self._metrics.removed.inc(expired, kind="uploads")
            self._metrics.removed.inc(collected, kind="blobs")
        if purged or expired or collected:
            log.info(
                "housekeeping: %d messages purged from Trash, %d uploads expired, %d blobs deleted",
                purged,
                expired,
                collected,
            )

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("housekeeping failed; retrying at the next round")
                if self._metrics is not None:
                    self._metrics.housekeeping_runs.inc(result="failed")
            else:
                if self._metrics is not None:
                    self._metrics.housekeeping_runs.inc(result="ok")
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()
