"""Filter condition rules: one module per condition field, each registering `check`.

Rules are data (after GNU Mailman 3's `rules/`): a module registers one function under
its field's name, and the registry refuses a second one. Negation is applied here, once,
on a rule's result, so no rule handles it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.filters import Condition, FieldName

if TYPE_CHECKING:
    from shared.mail.filtering.facts import MessageFacts

Check = Callable[[Condition, "MessageFacts"], bool]

_MODULES = (
    "from_",
    "to_cc",
    "recipient",
    "subject",
    "header",
    "body",
    "size",
    "has_attachment",
    "priority",
    "list_id",
)


class DuplicateRule(ValueError):
    """A second rule registered for a field that already has one."""


class Registry:
    """Condition field -> its check; one check per field."""

    def __init__(self) -> None:
        self._checks: dict[FieldName, Check] = {}

    def register(self, field: FieldName) -> Callable[[Check], Check]:
        """Decorator: `check` becomes the rule for `field`."""

        def add(check: Check) -> Check:
            if field in self._checks:
                raise DuplicateRule(f"a rule for {field!r} is already registered")
            self._checks[field] = check
            return check

        return add

    def check_for(self, field: FieldName) -> Check:
        try:
            return self._checks[field]
        except KeyError:
            raise LookupError(f"no rule for {field!r}") from None

    def fields(self) -> frozenset[FieldName]:
        return frozenset(self._checks)


RULES = Registry()
rule = RULES.register


def holds(condition: Condition, facts: MessageFacts) -> bool:
    """Whether `condition` holds for the message, negation applied."""
    return RULES.check_for(condition.field)(condition, facts) != condition.negate


for _name in _MODULES:
    importlib.import_module(f"{__name__}.{_name}")
