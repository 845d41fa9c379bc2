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

from shared.model import Selection
from shared.ports.mailbox import Conflict, MailboxStore, NotFound

MDN_SENT = "$MDNSent"
TAG_COLOR = "#808080"

log = logging.getLogger(__name__)


async def mark_settled(mailbox: MailboxStore, account_id: str, message_id: str) -> None:
    """Put `$MDNSent` on a message whose receipt was just settled in Bureau."""
    tag = next((t for t in await mailbox.tags(account_id) if t.name == MDN_SENT), None)
    if tag is None:
        try:
            tag = await mailbox.create_tag(account_id, MDN_SENT, TAG_COLOR)
        except Conflict:  # made meanwhile
            tag = next(t for t in await mailbox.tags(account_id) if t.name == MDN_SENT)
    try:
        await mailbox.tag_messages(account_id, Selection.of(message_id), tag.id, add=True)
    except NotFound:
        log.info("receipt of %s settled, but the message is gone", message_id)


async def settled_by_client(mailbox: MailboxStore, account_id: str, message_ids: list[str]) -> None:
    """A client stored `$MDNSent` on these messages: their pending receipts are settled."""
    for message_id in message_ids:
        try:
            await mailbox.settle_receipt(account_id, message_id, "dismissed")
        except NotFound:
            continue  # expunged meanwhile
