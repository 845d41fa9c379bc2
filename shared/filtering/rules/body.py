"""`body`: the message's text (its text part, or the text of its HTML part)."""

from __future__ import annotations

from shared.filtering.facts import MessageFacts
from shared.filtering.matching import holds
from shared.filtering.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.BODY)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.body])
