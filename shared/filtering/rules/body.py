"""`body`: the message's text (its text part, or the text of its HTML part)."""

from __future__ import annotations

from services.filters.facts import MessageFacts
from services.filters.matching import holds
from services.filters.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.BODY)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.body])
