"""Guards against quadratic work on hostile or large input, without timing targets.

`growth` runs the same work on an input and on one `factor` times larger and gives the
ratio of their CPU times (each the best of a few runs, so a pause of the machine counts
for little). Work linear in its input grows by about `factor`, n log n a little more,
quadratic work by `factor` squared: a test asserts the ratio stays well below that,
whatever the speed of the machine it runs on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

FACTOR = 4
# Linear work grows about 4 times, quadratic 16: between the two, with room for noise.
LINEAR_BOUND = 9.0


def _best(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return max(best, 1e-4)


def growth(
    work: Callable[[int], Callable[[], object]], size: int, *, factor: int = FACTOR, repeat: int = 3
) -> float:
    """CPU time of `work(size * factor)()` over that of `work(size)()`; `work(n)` prepares
    the input of size n (not timed) and returns what to run on it."""
    small, large = work(size), work(size * factor)
    return _best(large, repeat) / _best(small, repeat)
