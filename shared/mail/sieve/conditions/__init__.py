"""Sieve tests <-> Bureau's filter conditions: one module per Sieve test, each holding both
directions, registered in `CONDITIONS` (see `shared/mail/sieve/registry.py`).

- `logic`: `allof`, `anyof`, `not`, `true`, `false` (match all/any, negation);
- `address`: from, to_cc; `envelope`: recipient (with `address`), and envelope to/from;
- `header`: subject, header, list, and the forms export writes for priority and
  has_attachment; `exists`: header and list `exists`;
- `size`, `body`; `currentdate` (only around a vacation: reported here).

`ConditionReader` is the import's driver: it turns the test of an `if` into one filter's
match and conditions, or reports why it cannot. The export's driver is `export.py`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from shared.filters import Condition, Operator
from shared.mail.sieve.conditions.tree import Group, Tree, simplify
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.notes import Note, Unsupported
from shared.mail.sieve.parser import Test
from shared.mail.sieve.registry import ConditionKey, Registry, WriteContext

__all__ = ["CONDITIONS", "ConditionReader", "condition_key"]

# Returns None for a form that is not the reader's own (the next reader is tried).
ReadTest = Callable[[Test, "ConditionReader"], Tree | None]
WriteTest = Callable[[Condition, WriteContext], str]  # the test, before any negation

_MODULES = (
    "address",
    "envelope",  # its reader of `anyof` (the recipient pair) runs before logic's
    "logic",
    "header",
    "exists",
    "size",
    "body",
    "currentdate",
)

CONDITIONS: Registry[ReadTest, WriteTest] = Registry()
reader = CONDITIONS.reader
writer = CONDITIONS.writer


def condition_key(condition: Condition) -> ConditionKey:
    """The kind a condition is written as: `exists` has a test of its own."""
    if condition.operator is Operator.EXISTS:
        return (condition.field, Operator.EXISTS)
    return condition.field


class ConditionReader:
    def __init__(self, note: Note, registry: Registry[ReadTest, WriteTest] = CONDITIONS) -> None:
        self.note = note
        self.registry = registry

    def tree(self, test: Test) -> Tree:
        """`test` as a tree of conditions. Raises Unsupported, SieveSyntaxError."""
        name = test.name
        if test.tests and not self.registry.nests(name):
            raise SieveSyntaxError(test.line, f"{name} takes no nested test")
        for read in self.registry.readers_for(name):
            tree = read(test, self)
            if tree is not None:
                return tree
        raise Unsupported(test.line, f"test '{name}' not supported")

    def conditions(self, test: Test) -> tuple[bool, str, list[Condition]]:
        """(enabled, match, conditions) for an `if` test. Raises Unsupported."""
        enabled = True
        if test.name == "false" and not test.arguments and not test.tests:
            return False, "all", []
        if test.name == "allof" and test.tests and test.tests[0].name == "false":
            enabled = False  # how export writes a disabled filter
            rest = test.tests[1:]
            if len(rest) == 1:
                test = rest[0]
            else:
                test = Test("allof" if rest else "true", [], rest, test.line)
        tree = simplify(self.tree(test))
        if tree is True:
            return enabled, "all", []
        if tree is False:
            raise Unsupported(test.line, "the condition can never be true")
        if isinstance(tree, Condition):
            # `anyof (one test)` is how export writes a single condition matched "any"
            single_any = test.name == "anyof" and len(test.tests) == 1
            return enabled, "any" if single_any else "all", [tree]
        assert isinstance(tree, Group)
        if not all(isinstance(t, Condition) for t in tree.items):
            raise Unsupported(
                test.line, "conditions mixing allof and anyof cannot be one Bureau filter"
            )
        return enabled, tree.mode, [t for t in tree.items if isinstance(t, Condition)]


for _name in _MODULES:
    importlib.import_module(f"{__name__}.{_name}")
