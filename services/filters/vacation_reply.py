"""The vacation reply itself (F24, RFC 3834 §3.1): a plain text message built with the
composition helpers, marked `Auto-Submitted: auto-replied` so that other responders
leave it alone.

It answers the envelope sender (§3.1.1: the Return-Path, not From or Reply-To), keeps the
user's subject (§3.1.5 leaves the choice), and links to the original with In-Reply-To and
References (§3.1.4). Its Message-ID and Date derive from the received event, so the same
event always gives the same bytes (the same blob on a redelivery).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.mail.automatic import generated_header
from shared.mail.compose.build import build_message, make_message_id
from shared.mail.compose.types import Outgoing
from shared.model import Address, ParsedMessage, Vacation

AUTO_REPLIED = generated_header("vacation")
# Exchange honours this and sends no out-of-office answer to an out-of-office answer.
_SUPPRESS = b"X-Auto-Response-Suppress: All\r\n"


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """What the reply answers: the envelope sender and the original message's ids."""

    sender: str  # the envelope sender (addr-spec)
    original: ParsedMessage
    seed: str  # stable id the Message-ID derives from
    date: datetime


def build_reply(vacation: Vacation, *, address: str, name: str, to: ReplyTo) -> bytes:
    """The reply from `address` (display `name`, may be empty) to `to.sender`.

    Raises `ValueError` when the sender is no address a message can be written to."""
    original = to.original
    references = [*original.references]
    if original.message_id and original.message_id not in references:
        references.append(original.message_id)
    outgoing = Outgoing(
        sender=Address(name=name, address=address),
        to=[Address(address=to.sender)],
        subject=vacation.subject,
        text=vacation.text,
        in_reply_to=original.message_id,
        references=references,
        message_id=make_message_id(to.seed, address.rpartition("@")[2]),
        date=to.date,
    )
    return AUTO_REPLIED + _SUPPRESS + build_message(outgoing, include_bcc=False)
