"""`priority`: high, normal or low, as read from X-Priority, Importance or Priority."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds
from shared.mail.filtering.rules import rule


@rule(FieldName.PRIORITY)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.priority])
