"""Read receipts seen from IMAP (RFC 3503): the `$MDNSent` keyword.

A desktop client that opens a message asking for a read receipt sends (or declines) it
itself and sets `$MDNSent`, so that no client asks again. Bureau keeps the two worlds in
step: a receipt settled in Bureau (sent, or dismissed by the user or the "never"
preference) puts the `$MDNSent` tag on the message — tags are IMAP keywords — and a
client storing `$MDNSent` settles the receipt in Bureau ("dismissed": the client did
whatever it did). So one message gets at most one receipt, whichever client opens it.
"""

from __future__ import annotations

import logging

from shared.model import FlagChange, Selection, TagChange
from shared.ports.automation import AutomationState
from shared.ports.mailbox import NotFound, Refused
from shared.ports.messages import Messages

MDN_SENT = "$MDNSent"

log = logging.getLogger(__name__)


async def mark_settled(mailbox: Messages, account_id: str, message_id: str) -> None:
    """Put `$MDNSent` on a message whose receipt was just settled in Bureau (the receipt
    is settled either way: a message or account at its bound of tags goes without)."""
    try:
        await mailbox.change_flags(
            account_id,
            Selection.of(message_id),
            FlagChange(),
            TagChange(add=[MDN_SENT], create=True),
        )
    except NotFound:
        log.info("receipt of %s settled, but the message is gone", message_id)
    except Refused as exc:
        log.warning("receipt of %s settled, %s not put on: %s", message_id, MDN_SENT, exc)


async def settled_by_client(
    mailbox: AutomationState, account_id: str, message_ids: list[str]
) -> None:
    """A client stored `$MDNSent` on these messages: their pending receipts are settled."""
    for message_id in message_ids:
        try:
            await mailbox.settle_receipt(account_id, message_id, "dismissed")
        except NotFound:
            continue  # expunged meanwhile
