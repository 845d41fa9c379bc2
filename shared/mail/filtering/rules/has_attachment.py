"""`has_attachment`: the message has a part that is not its body nor shown inline."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.rules import rule


@rule(FieldName.HAS_ATTACHMENT)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return facts.has_attachment
