"""`header`: the decoded values of the header named in the condition (any case).

A header present several times holds when any one value does; `exists` holds when the
header is present at all, even empty."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds
from shared.mail.filtering.rules import rule


@rule(FieldName.HEADER)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, facts.header(condition.header or ""))
