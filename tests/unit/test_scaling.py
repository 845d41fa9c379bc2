"""The guard against quadratic work tells linear work from quadratic work."""

from __future__ import annotations

from collections.abc import Callable

from tests.scaling import LINEAR_BOUND, growth


def _linear(n: int) -> Callable[[], object]:
    data = list(range(n))
    return lambda: sum(x * 2 for x in data)


def _quadratic(n: int) -> Callable[[], object]:
    data = list(range(n))
    return lambda: sum(1 for x in data for y in data[:: max(1, n // 2_000)] if x == y)


def test_linear_work_passes_and_quadratic_work_is_caught() -> None:
    assert growth(_linear, 200_000) < LINEAR_BOUND
    assert growth(_quadratic, 500) > LINEAR_BOUND
