"""`subject`: the decoded Subject."""

from __future__ import annotations

from services.filters.facts import MessageFacts
from services.filters.matching import holds
from services.filters.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.SUBJECT)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.subject])
