"""Building normalised trees: And/Or flattened and never of one item, no double Not."""

from __future__ import annotations

from collections.abc import Iterable

from shared.mail.query.ast import MAX_DEPTH, And, Node, Not, Or


def all_of(items: Iterable[Node]) -> Node:
    """Every item must match: nested And flattened, a single item returned as is."""
    given = list(items)
    if not given:
        raise ValueError("all_of() needs at least one item")
    if len(given) == 1:
        return given[0]
    flat: list[Node] = []
    for item in given:
        flat.extend(item.items if isinstance(item, And) else (item,))
    return And(tuple(flat))


def any_of(items: Iterable[Node]) -> Node:
    """One item must match: nested Or flattened, a single item returned as is."""
    given = list(items)
    if not given:
        raise ValueError("any_of() needs at least one item")
    if len(given) == 1:
        return given[0]
    flat: list[Node] = []
    for item in given:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    return Or(tuple(flat))


def negate(item: Node) -> Node:
    """The item must not match; excluding an exclusion gives the item back."""
    return item.item if isinstance(item, Not) else Not(item)


def is_searchable(node: Node) -> bool:
    """True when the tree asks for something, not only for what to leave out: an index
    cannot list "every message without X", and the product calls that nothing to match."""
    match node:
        case Not():
            return False
        case And(items=items):
            return any(is_searchable(item) for item in items)
        case Or(items=items):
            return all(is_searchable(item) for item in items)
        case _:
            return True


def too_deep(node: Node, limit: int = MAX_DEPTH) -> Node | None:
    """The first And, Or or Not nested `limit` + 1 deep in the tree (the root counting
    one), or None when the tree stays within `limit`."""
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:  # a loop, not recursion: the tree may come from anywhere
        current, level = stack.pop()
        if isinstance(current, And | Or | Not):
            if level > limit:
                return current
            children = (current.item,) if isinstance(current, Not) else current.items
            stack.extend((child, level + 1) for child in reversed(children))
    return None
