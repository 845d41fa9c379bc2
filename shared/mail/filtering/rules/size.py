"""`size`: the raw message's size in bytes, strictly `over` or `under` the value
(as Sieve's `size :over` / `:under`, RFC 5228 §5.9)."""

from __future__ import annotations

from shared.filters import Condition, FieldName, Operator
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.rules import rule


@rule(FieldName.SIZE)
def check(condition: Condition, facts: MessageFacts) -> bool:
    if not condition.value.isdigit():
        return False  # the model refuses it; never raise while filtering
    limit = int(condition.value)
    if condition.operator is Operator.OVER:
        return facts.size > limit
    if condition.operator is Operator.UNDER:
        return facts.size < limit
    return False
