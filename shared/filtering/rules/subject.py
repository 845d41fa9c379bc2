"""`subject`: the decoded Subject."""

from __future__ import annotations

from shared.filtering.facts import MessageFacts
from shared.filtering.matching import holds
from shared.filtering.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.SUBJECT)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.subject])
