"""`subject`: the decoded Subject."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds
from shared.mail.filtering.rules import rule


@rule(FieldName.SUBJECT)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.subject])
