"""A Sieve test read as a tree of Bureau conditions under all/any groups and booleans.

Negation is pushed down to the conditions (De Morgan) and the tree simplified, so that an
`if` whose tree is one group of conditions becomes one filter."""

from __future__ import annotations

from dataclasses import dataclass

from shared.filters import Condition


@dataclass
class Group:
    mode: str  # "all" or "any"
    items: list[Tree]


Tree = Condition | Group | bool


def negate(tree: Tree) -> Tree:
    if isinstance(tree, bool):
        return not tree
    if isinstance(tree, Group):
        return Group("any" if tree.mode == "all" else "all", [negate(t) for t in tree.items])
    return tree.model_copy(update={"negate": not tree.negate})


def simplify(tree: Tree) -> Tree:
    if not isinstance(tree, Group):
        return tree
    items: list[Tree] = []
    neutral, absorbing = tree.mode == "all", tree.mode != "all"
    for item in (simplify(t) for t in tree.items):
        if isinstance(item, bool):
            if item is absorbing:
                return absorbing
            continue  # the neutral element
        if isinstance(item, Group) and item.mode == tree.mode:
            items.extend(item.items)
        else:
            items.append(item)
    if not items:
        return neutral
    return items[0] if len(items) == 1 else Group(tree.mode, items)
