"""The paging preference (F55) as the gateway applies it, and the action table."""

from __future__ import annotations

from typing import get_args

import pytest

from services.gateway.actions import ACTIONS
from services.gateway.paging import Window, fetch_window, window
from services.gateway.schemas import Action, PageQuery
from shared.model import AUTO_PAGING_THRESHOLD, Page, Preferences


def prefs(mode: str, size: int = 20) -> Preferences:
    return Preferences.model_validate({"paging_mode": mode, "page_size": size})


@pytest.mark.parametrize(
    ("mode", "size", "expected"),
    [
        ("full", 10_000, Window(1, None)),
        ("paginated", 3, Window(2, 20)),
        ("auto", AUTO_PAGING_THRESHOLD - 1, Window(1, None)),
        ("auto", AUTO_PAGING_THRESHOLD, Window(2, 20)),
    ],
)
def test_window_follows_the_preference(mode: str, size: int, expected: Window) -> None:
    assert window(PageQuery(page=2), prefs(mode), size) == expected


def test_explicit_per_page_wins() -> None:
    assert window(PageQuery(page=3, per_page=7), prefs("full"), 5) == Window(3, 7)


def test_window_slices_and_describes() -> None:
    items = list(range(45))
    assert Window(3, 20).slice(items) == list(range(40, 45))
    assert Window(1, None).slice(items) == items
    assert Window(1, None).described(45) == {
        "total": 45,
        "page": 1,
        "per_page": 45,
        "paginated": False,
    }
    assert Window(2, 20).described(45)["paginated"] is True


async def test_whole_list_fetched_again_if_it_grew() -> None:
    data = list(range(12))
    calls: list[tuple[int, int]] = []

    async def fetch(offset: int, limit: int) -> Page[int]:
        calls.append((offset, limit))
        return Page[int](items=data[offset : offset + limit], total=len(data))

    page = await fetch_window(fetch, Window(1, None), 10)  # 10 counted, 12 by now

    assert page.items == data and calls == [(0, 10), (0, 12)]
    assert (await fetch_window(fetch, Window(2, 5), 10)).items == [5, 6, 7, 8, 9]


def test_every_action_has_an_implementation() -> None:
    assert set(ACTIONS) == set(get_args(Action))
