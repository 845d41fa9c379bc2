"""Login records port: the recent failed logins and the known clients that the login
throttle (`shared/runtime/ratelimit.py`) decides from, kept where every replica of every service
that checks passwords sees them (the NATS key-value adapter, `shared/runtime/kv/logins.py`).

Keys are opaque strings made by the throttle; times are seconds since the epoch (wall
clock: the replicas that share the records share no other clock).

`MemoryLoginRecords` keeps them in one process: for unit tests, and as the fallback of
the shared adapter while NATS does not answer.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Protocol, TypeVar

V = TypeVar("V")


class LoginRecords(Protocol):
    async def prepare(self) -> None:
        """Make ready (open the shared storage) at start; failing here is not fatal."""
        ...

    async def failures(self, key: str, since: float) -> list[float]:
        """The recorded failure times of `key` after `since`, oldest first."""
        ...

    async def add_failure(self, key: str, at: float, *, since: float, keep: int) -> None:
        """Record a failure of `key` at `at`, forgetting those at or before `since` and
        all but the newest `keep`. Concurrent calls for one key all count."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the failures of `key`."""
        ...

    async def known_at(self, key: str, since: float) -> float | None:
        """When `key` (an account and a client) was last marked known, if after `since`."""
        ...

    async def mark_known(self, key: str, at: float) -> None:
        """Mark `key` known at `at` (a successful login)."""
        ...


class MemoryLoginRecords:
    """In one process, bounded: past `max_keys` the key written longest ago is dropped."""

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._known: OrderedDict[str, float] = OrderedDict()

    async def prepare(self) -> None:
        return None

    async def failures(self, key: str, since: float) -> list[float]:
        return [t for t in self._failures.get(key, ()) if t > since]

    async def add_failure(self, key: str, at: float, *, since: float, keep: int) -> None:
        times = deque((t for t in self._failures.pop(key, ()) if t > since), maxlen=max(1, keep))
        times.append(at)
        self._failures[key] = times
        _bound(self._failures, self._max_keys)

    async def clear(self, key: str) -> None:
        self._failures.pop(key, None)

    async def known_at(self, key: str, since: float) -> float | None:
        at = self._known.get(key)
        return at if at is not None and at > since else None

    async def mark_known(self, key: str, at: float) -> None:
        self._known.pop(key, None)
        self._known[key] = at
        _bound(self._known, self._max_keys)


def _bound(entries: OrderedDict[str, V], limit: int) -> None:
    while len(entries) > limit:
        entries.popitem(last=False)
