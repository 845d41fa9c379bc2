"""Login throttling: too many failed logins for one address from one client → 429.

In memory, per replica: an attacker spreading attempts over replicas gets that many
times the budget. A shared limiter (NATS KV) can replace this behind the same methods.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

Key = tuple[str, str]  # (address lower-cased, client IP)


class LoginLimiter:
    """Sliding window: at most `max_failures` failures per key within `window` seconds."""

    def __init__(
        self,
        *,
        max_failures: int = 10,
        window: float = 300.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window
        self._max_keys = max_keys
        self._clock = clock
        self._failures: dict[Key, deque[float]] = {}

    def retry_after(self, key: Key) -> int | None:
        """Whole seconds until `key` may try again, or None if it may try now."""
        times = self._recent(key)
        if times is None or len(times) < self._max:
            return None
        return max(1, math.ceil(times[0] + self._window - self._clock()))

    def failed(self, key: Key) -> None:
        times = self._recent(key)
        if times is None:
            if len(self._failures) >= self._max_keys:
                # Forget the key whose first recorded failure is oldest (insertion order).
                del self._failures[next(iter(self._failures))]
            times = self._failures[key] = deque()
        times.append(self._clock())
        while len(times) > self._max:
            times.popleft()

    def succeeded(self, key: Key) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: Key) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        horizon = self._clock() - self._window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times
