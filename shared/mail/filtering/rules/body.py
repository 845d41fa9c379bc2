"""`body`: the message's text (its text part, or the text of its HTML part)."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds
from shared.mail.filtering.rules import rule


@rule(FieldName.BODY)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.body])
