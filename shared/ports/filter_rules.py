"""Filter rules role of the mailbox store (F25-F27): an account's filters, in the user's
order."""

from __future__ import annotations

from typing import Protocol

from shared.filters import Filter, FilterFields


class FilterRules(Protocol):
    """An account's filters, kept in the user's order."""

    async def filters(self, account_id: str) -> list[Filter]:
        """The account's filters by `position` (0 first)."""
        ...

    async def create_filter(
        self, account_id: str, fields: FilterFields, position: int | None = None
    ) -> Filter:
        """Insert at `position` (clamped; None: last), moving the others down."""
        ...

    async def update_filter(self, account_id: str, filter_id: str, fields: FilterFields) -> Filter:
        """Replace every field but the position. `NotFound`."""
        ...

    async def delete_filter(self, account_id: str, filter_id: str) -> None:
        """`NotFound`; the positions after it close up."""
        ...

    async def reorder_filters(self, account_id: str, filter_ids: list[str]) -> list[Filter]:
        """Put the filters in this order; `Refused` unless `filter_ids` names each of the
        account's filters exactly once."""
        ...

    async def replace_filters(self, account_id: str, filters: list[FilterFields]) -> list[Filter]:
        """Replace all the account's filters at once (a Sieve import), in this order."""
        ...
