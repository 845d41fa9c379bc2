"""One change of an account at a time in this process, and a change read again when
another process moved the account on (the batch's precondition failed)."""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.store.core.backend import MailBackend, Stale
from services.store.core.change import Change
from shared.ports.errors import Busy

T = TypeVar("T")

ATTEMPTS = 64  # reads of a change before giving up on an account that never settles
PAUSE = 0.05  # longest pause between two attempts, in seconds


class Unsettled(Busy):
    """An account kept changing under one change: every attempt found it moved on."""


class AccountLocks:
    """An asyncio lock per account, kept only while some task holds or awaits it (the
    tasks' references keep it alive), so many accounts cost nothing once idle."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, account_id: str) -> asyncio.Lock:
        lock = self._locks.get(account_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[account_id] = lock
        return lock

    def __len__(self) -> int:
        return len(self._locks)


async def settle(
    backend: MailBackend,
    locks: AccountLocks,
    account_id: str,
    decide: Callable[[], Awaitable[tuple[Change | None, T]]],
) -> T:
    """Read and decide (`decide`: a fresh snapshot each time), then apply the change's
    batch; on `Stale`, after a short random pause (so that racing writers part), again."""
    lock = locks(account_id)
    async with lock:
        for attempt in range(ATTEMPTS):
            change, result = await decide()
            if change is None or change.empty:
                return result
            try:
                await backend.apply(change.batch())
            except Stale:
                await asyncio.sleep(random.uniform(0, min(PAUSE, 0.001 * 2 ** min(attempt, 6))))
                continue
            return result
    raise Unsettled(f"account {account_id} kept changing: gave up after {ATTEMPTS} attempts")
