"""`priority`: high, normal or low, as read from X-Priority, Importance or Priority."""

from __future__ import annotations

from services.filters.facts import MessageFacts
from services.filters.matching import holds
from services.filters.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.PRIORITY)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.priority])
