"""Sending limits (messages per sliding window of the plan) and uploads, decided once for
every engine."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.ports.mailbox import Conflict, NotFound

# Submissions older than this (and than the window asked for) are forgotten on the way.
KEEP = timedelta(days=2)


def forget_before(at: datetime, since: datetime) -> datetime:
    """Submissions counted before this are no longer needed by any window."""
    return min(since, at - KEEP)


def admits(others_in_window: int, limit: int | None) -> bool:
    """Whether one more message may go, when `others_in_window` were sent since the
    window's start (not counting this one): at most `limit` in the window; None, no limit."""
    return limit is None or others_in_window < limit


def upload_exists(upload_id: str) -> Conflict:
    return Conflict(f"upload {upload_id} exists")


def no_upload(upload_id: str) -> NotFound:
    return NotFound(f"upload {upload_id}")
