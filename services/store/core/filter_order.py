"""The order of an account's filters (F25-F27): a filter's position is its place in the
account's list, so positions are always 0..n-1.

Each rule takes the account's filter ids as read, in order, and gives the new order;
the adapter writes it (SQLite renumbers rows, MongoDB writes the list) inside its own
transaction or compare-and-set.
"""

from __future__ import annotations

from shared.ports.mailbox import NotFound, Refused


def position_of(ids: list[str], filter_id: str) -> int:
    """Where the filter stands; NotFound when the account has no such filter."""
    try:
        return ids.index(filter_id)
    except ValueError:
        raise NotFound(f"filter {filter_id}") from None


def inserted(ids: list[str], new_id: str, position: int | None) -> tuple[list[str], int]:
    """The order with `new_id` added, and where it went: at `position` clamped to 0..n,
    or last when no position is asked for."""
    at = len(ids) if position is None else max(0, min(position, len(ids)))
    return [*ids[:at], new_id, *ids[at:]], at


def removed(ids: list[str], filter_id: str) -> list[str]:
    """The order without the filter (the ones after it move up one)."""
    at = position_of(ids, filter_id)
    return [*ids[:at], *ids[at + 1 :]]


def reordered(ids: list[str], new_order: list[str]) -> list[str]:
    """`new_order`, once it names each of the account's filters exactly once."""
    if len(new_order) != len(ids) or set(new_order) != set(ids):
        raise Refused("the new order names each of the account's filters exactly once")
    return list(new_order)
