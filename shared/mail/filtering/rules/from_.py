"""`from`: the From header's addresses; holds when it holds for any one of them."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds_for_addresses
from shared.mail.filtering.rules import rule


@rule(FieldName.FROM)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds_for_addresses(condition, facts.sender)
