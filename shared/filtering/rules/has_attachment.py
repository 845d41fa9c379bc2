"""`has_attachment`: the message has a part that is not its body nor shown inline."""

from __future__ import annotations

from shared.filtering.facts import MessageFacts
from shared.filtering.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.HAS_ATTACHMENT)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return facts.has_attachment
