"""Forgetting old tombstones: the search service's only periodic work.

A tombstone must outlive every change of its message that may still arrive. The changes
come from the MAILBOX stream, which drops them after its `max_age`; a tombstone older than
that can only guard against changes that no longer exist. Several replicas may prune at
once: pruning is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.ports.index import SearchIndex
from shared.runtime.background import Background
from shared.streams import MAILBOX

log = logging.getLogger(__name__)

TOMBSTONE_AGE = timedelta(seconds=MAILBOX.max_age)
PRUNE_INTERVAL = 3600.0  # seconds between rounds


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TombstonePruner:
    def __init__(
        self,
        index: SearchIndex,
        *,
        age: timedelta = TOMBSTONE_AGE,
        interval: float = PRUNE_INTERVAL,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._index = index
        self._age = age
        self._interval = interval
        self._clock = clock
        self._task = Background("search-tombstones", self._loop)

    async def prune_once(self) -> int:
        pruned = await self._index.prune_tombstones(self._clock() - self._age)
        if pruned:
            log.info("search index: %d tombstones older than %s forgotten", pruned, self._age)
        return pruned

    async def _loop(self) -> None:
        while True:
            try:
                await self.prune_once()
            except Exception as exc:  # noqa: BLE001 - the index may be down for a while
                log.warning("search index tombstones not pruned (%s); retrying later", exc)
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()
