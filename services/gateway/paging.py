"""Which slice of a list a page shows: asked for, or by the user's paging preference (F55)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from services.gateway.schemas import PageQuery
from shared.model import AUTO_PAGING_THRESHOLD, Page, Preferences

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    page: int
    per_page: int | None  # None: the whole list on one page

    @property
    def offset(self) -> int:
        return 0 if self.per_page is None else (self.page - 1) * self.per_page

    def slice(self, items: Sequence[T]) -> list[T]:
        if self.per_page is None:
            return list(items)
        return list(items[self.offset : self.offset + self.per_page])

    def described(self, total: int) -> dict[str, int | bool]:
        """The `Paged` fields of an answer."""
        return {
            "total": total,
            "page": self.page,
            "per_page": total if self.per_page is None else self.per_page,
            "paginated": self.per_page is not None,
        }


def window(query: PageQuery, preferences: Preferences, size: int) -> Window:
    """An explicit `per_page` wins; else "full" shows everything, "paginated" pages by the
    preferred size, and "auto" pages only lists of `AUTO_PAGING_THRESHOLD` or more."""
    if query.per_page is not None:
        return Window(query.page, query.per_page)
    mode = preferences.paging_mode
    if mode == "full" or (mode == "auto" and size < AUTO_PAGING_THRESHOLD):
        return Window(1, None)
    return Window(query.page, preferences.page_size)


Fetch = Callable[[int, int], Awaitable[Page[T]]]  # (offset, limit) → page


async def fetch_window(fetch: Fetch[T], win: Window, size: int) -> Page[T]:
    """One call to the store for the window; a whole list that grew since `size` was
    counted is fetched again, so "everything" stays everything."""
    if win.per_page is not None:
        return await fetch(win.offset, win.per_page)
    page = await fetch(0, max(size, 1))
    if page.total > len(page.items):
        page = await fetch(0, page.total)
    return page
