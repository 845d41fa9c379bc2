"""`recipient`: To, Cc and the envelope recipient; holds when it holds for any one of them.

The envelope recipient catches Bcc copies and list traffic addressed to the list."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.matching import holds_for_addresses
from shared.mail.filtering.rules import rule
from shared.model import Address


@rule(FieldName.RECIPIENT)
def check(condition: Condition, facts: MessageFacts) -> bool:
    envelope = (Address(address=facts.recipient),) if facts.recipient else ()
    return holds_for_addresses(condition, facts.to + facts.cc + envelope)
