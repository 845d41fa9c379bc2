"""`from`: the From header's addresses; holds when it holds for any one of them."""

from __future__ import annotations

from shared.filtering.facts import MessageFacts
from shared.filtering.matching import holds_for_addresses
from shared.filtering.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.FROM)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds_for_addresses(condition, facts.sender)
