"""A service's background task: started once, cancelled and awaited at stop, restartable."""

from __future__ import annotations

import asyncio

from shared.runtime.background import Background


async def test_started_once_stopped_for_good_and_started_again() -> None:
    rounds: list[int] = []
    cancelled = asyncio.Event()

    async def run() -> None:
        try:
            while True:
                rounds.append(1)
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = Background("test-loop", run)
    task.start()
    task.start()  # a second start does not run a second loop
    await asyncio.sleep(0.05)
    assert len(_named("test-loop")) == 1
    await task.stop()
    assert cancelled.is_set() and not _named("test-loop")
    seen = len(rounds)
    await asyncio.sleep(0.03)
    assert len(rounds) == seen  # nothing runs after stop
    task.start()
    await asyncio.sleep(0.03)
    assert len(rounds) > seen
    await task.stop()


def _named(name: str) -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == name]
