"""`priority`: high, normal or low, as read from X-Priority, Importance or Priority."""

from __future__ import annotations

from shared.filtering.facts import MessageFacts
from shared.filtering.matching import holds
from shared.filtering.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.PRIORITY)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.priority])
