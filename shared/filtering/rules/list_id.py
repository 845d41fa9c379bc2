"""`list`: the mailing list's identifier from List-Id (RFC 2919), e.g. "dev.example.org";
`exists` holds for any list message."""

from __future__ import annotations

from services.filters.facts import MessageFacts
from services.filters.matching import holds
from services.filters.rules import rule
from shared.filters import Condition, FieldName


@rule(FieldName.LIST)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.list_id] if facts.list_id is not None else [])
