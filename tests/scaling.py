"""Guards against quadratic work on hostile or large input, without timing targets.

`growth` runs the same work on an input and on one `factor` times larger and gives the
ratio of their CPU times (each the best of a few runs taken in turns, so a pause of the
machine counts for little). Work linear in its input grows by about `factor`, n log n a little more,
quadratic work by `factor` squared: a test asserts the ratio stays well below that,
whatever the speed of the machine it runs on.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

FACTOR = 4
# Linear work grows about 4 times, quadratic 16: between the two, with room for noise.
LINEAR_BOUND = 9.0


def _cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return max(time.process_time() - start, 1e-4)


def growth(
    work: Callable[[int], Callable[[], object]], size: int, *, factor: int = FACTOR, repeat: int = 5
) -> float:
    """CPU time of `work(size * factor)()` over that of `work(size)()`; `work(n)` prepares
    the input of size n (not timed) and returns what to run on it. The two runs take
    turns (so a busy spell of the machine weighs on both), the garbage collector waits
    meanwhile (its passes follow the whole heap, not the work), and each keeps its best."""
    small, large = work(size), work(size * factor)
    best_small = best_large = float("inf")
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            best_small = min(best_small, _cpu(small))
            best_large = min(best_large, _cpu(large))
    finally:
        if collecting:
            gc.enable()
    return best_large / best_small
