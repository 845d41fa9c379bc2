"""`list`: the mailing list's identifier from List-Id (RFC 2919), e.g. "dev.example.org";
`exists` holds for any list message."""

from __future__ import annotations

from shared.filtering.facts import MessageFacts
from shared.filtering.matching import holds
from shared.filtering.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.LIST)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.list_id] if facts.list_id is not None else [])
