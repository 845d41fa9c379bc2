"""Mailbox changes fanned out to the sessions of this gateway replica (IMAP IDLE).

The gateway subscribes to `mailbox.changed.*` on plain NATS (every replica gets every
change; nothing is acknowledged) and calls `notify`. A session only learns that its
account changed: it reads what changed from the store (`MailboxStore.changes_since`), so
a notification lost in a reconnection delays an update but never loses it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict


class ChangeFeed:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)

    def notify(self, account_id: str) -> None:
        for event in self._waiters.get(account_id, ()):
            event.set()

    def watch(self, account_id: str) -> Watch:
        return Watch(self, account_id)

    def _add(self, account_id: str, event: asyncio.Event) -> None:
        self._waiters[account_id].add(event)

    def _remove(self, account_id: str, event: asyncio.Event) -> None:
        waiters = self._waiters.get(account_id)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                del self._waiters[account_id]


class Watch:
    """`async with feed.watch(account) as watch: await watch.wait(timeout)`: True when the
    account changed since the watch began or since the last `wait` returned True."""

    def __init__(self, feed: ChangeFeed, account_id: str) -> None:
        self._feed = feed
        self._account_id = account_id
        self._event = asyncio.Event()

    async def __aenter__(self) -> Watch:
        self._feed._add(self._account_id, self._event)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._feed._remove(self._account_id, self._event)

    async def wait(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True
