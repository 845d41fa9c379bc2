"""The login throttle, on a fake clock."""

from __future__ import annotations

from shared.ratelimit import LoginLimiter

KEY = ("alice@example.test", "192.0.2.1")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_max_failures_within_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(max_failures=3, window=300, clock=clock)
    for _ in range(2):
        limiter.failed(KEY)
        clock.now += 10
    assert limiter.retry_after(KEY) is None
    limiter.failed(KEY)
    assert limiter.retry_after(KEY) == 280  # the oldest failure leaves the window then
    clock.now = 300.5
    assert limiter.retry_after(KEY) is None  # one failure fell out: one more try allowed


def test_keys_are_separate_and_success_resets() -> None:
    limiter = LoginLimiter(max_failures=1, window=60, clock=Clock())
    limiter.failed(KEY)
    assert limiter.retry_after(KEY) == 60
    assert limiter.retry_after(("alice@example.test", "192.0.2.2")) is None
    limiter.succeeded(KEY)
    assert limiter.retry_after(KEY) is None


def test_memory_is_bounded() -> None:
    limiter = LoginLimiter(max_failures=1, window=60, max_keys=2, clock=Clock())
    for n in range(3):
        limiter.failed((f"user{n}@example.test", "192.0.2.1"))
    assert limiter.retry_after(("user0@example.test", "192.0.2.1")) is None  # evicted
    assert limiter.retry_after(("user2@example.test", "192.0.2.1")) == 60
