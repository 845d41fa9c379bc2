"""The restart delay of the embedded run's processes: doubling, bounded, reset by health."""

from __future__ import annotations

from bureau.process import RestartBackoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_quick_deaths_wait_longer_each_time_up_to_the_bound() -> None:
    clock = Clock()
    backoff = RestartBackoff(first=1.0, longest=8.0, healthy=60.0, clock=clock)
    delays = []
    for _ in range(6):
        clock.now += 2  # dies two seconds after each start
        delays.append(backoff.next_delay())
        backoff.started()
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_a_healthy_run_resets_the_delay() -> None:
    clock = Clock()
    backoff = RestartBackoff(first=1.0, longest=30.0, healthy=60.0, clock=clock)
    for _ in range(5):
        clock.now += 1
        backoff.next_delay()
        backoff.started()
    assert backoff.failures == 5
    clock.now += 61  # ran for a minute, then died
    assert backoff.next_delay() == 1.0
    assert backoff.failures == 1
