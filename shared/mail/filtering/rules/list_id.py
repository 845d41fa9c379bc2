"""`list`: the mailing list's identifier from List-Id (RFC 2919), e.g. "dev.example.org";
`exists` holds for any list message."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds
from shared.mail.filtering.rules import rule


@rule(FieldName.LIST)
def check(condition: Condition, facts: MessageFacts) -> bool:
    return holds(condition, [facts.list_id] if facts.list_id is not None else [])
