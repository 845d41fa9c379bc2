"""UIDVALIDITY: a non-zero 32-bit number never given twice in an account (RFC 9051 §2.3.1.1)."""

from __future__ import annotations

import time

from shared.ports.mailbox import Refused

MAX_UIDVALIDITY = 2**32 - 1


def take(last_given: int, count: int = 1, now: float | None = None) -> tuple[int, int]:
    """The first of `count` new values and the new last given: the clock second, or one
    more than the last given when that is later (Dovecot's way), so a folder deleted and
    made again within a second gets a new one."""
    second = int(time.time() if now is None else now)
    last = max(last_given + count, second + count - 1)
    if last > MAX_UIDVALIDITY:
        raise Refused("this account has used up its folder identities (UIDVALIDITY)")
    return last - count + 1, last
