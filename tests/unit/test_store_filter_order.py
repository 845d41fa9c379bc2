"""The order of an account's filters, decided once for every adapter (`core.filter_order`)."""

from __future__ import annotations

import pytest

from services.store.core import filter_order
from shared.ports.mailbox import NotFound, Refused


@pytest.mark.parametrize(
    ("position", "order", "at"),
    [
        (None, ["a", "b", "c", "new"], 3),
        (0, ["new", "a", "b", "c"], 0),
        (1, ["a", "new", "b", "c"], 1),
        (3, ["a", "b", "c", "new"], 3),
        (99, ["a", "b", "c", "new"], 3),  # past the end: last
        (-5, ["new", "a", "b", "c"], 0),  # before the start: first
    ],
)
def test_a_new_filter_goes_where_asked_clamped(
    position: int | None, order: list[str], at: int
) -> None:
    assert filter_order.inserted(["a", "b", "c"], "new", position) == (order, at)


def test_the_first_filter_goes_first_wherever_asked() -> None:
    assert filter_order.inserted([], "new", 7) == (["new"], 0)


def test_a_removed_filter_leaves_no_gap() -> None:
    assert filter_order.removed(["a", "b", "c"], "b") == ["a", "c"]
    with pytest.raises(NotFound, match="filter x"):
        filter_order.removed(["a", "b"], "x")


def test_position_of_an_unknown_filter_is_not_found() -> None:
    assert filter_order.position_of(["a", "b"], "b") == 1
    with pytest.raises(NotFound):
        filter_order.position_of([], "a")


def test_a_reorder_names_every_filter_exactly_once() -> None:
    assert filter_order.reordered(["a", "b", "c"], ["c", "a", "b"]) == ["c", "a", "b"]
    assert filter_order.reordered([], []) == []
    for wrong in (["a", "b"], ["a", "b", "c", "a"], ["a", "a", "b"], ["a", "b", "x"]):
        with pytest.raises(Refused):
            filter_order.reordered(["a", "b", "c"], wrong)
