"""What the store reads in an arriving message for the automation that follows it: the
read receipt it asks for (RFC 8098) and whether a program — Bureau itself, perhaps — sent
it (RFC 3834, RFC 2919; `shared/mail/automatic.py`), and the `mail.stored` event that tells
the notify service about it."""

from __future__ import annotations

from email.utils import getaddresses

from shared.events import MailDeliver, MailStored, derived_id
from shared.mail.addresses import InvalidAddress, normalize
from shared.mail.automatic import is_automatic, is_generated
from shared.model import Folder, ParsedMessage


def header(parsed: ParsedMessage, name: str) -> str | None:
    """The first value of a header (names compare case-insensitively), or None."""
    wanted = name.lower()
    return next((value for key, value in parsed.headers if key.lower() == wanted), None)


def receipt_to(parsed: ParsedMessage, own: set[str]) -> str | None:
    """Where a read receipt goes: the first valid address of Disposition-Notification-To
    (RFC 8098 §2.1), None without one, or when the message is from one of the account's
    own addresses `own` (lower-cased) — nobody wants a receipt from themselves."""
    value = header(parsed, "Disposition-Notification-To")
    if not value:
        return None
    if parsed.sender is not None and parsed.sender.address.lower() in own:
        return None
    for _name, address in getaddresses([value]):
        try:
            return normalize(address)
        except InvalidAddress:
            continue
    return None


def stored_event(
    event: MailDeliver, message_id: str, folder: Folder, parsed: ParsedMessage, unread: bool
) -> MailStored:
    """`mail.stored` for a completed delivery; its id is derived from the delivery's, so a
    redelivery publishes the same event (deduplicated by JetStream)."""
    return MailStored(
        event_id=derived_id(event.event_id, "stored"),
        deliver_event_id=event.event_id,
        account_id=event.account_id,
        message_id=message_id,
        folder_id=folder.id,
        folder_role=folder.role.value if folder.role else None,
        unread=unread,
        sender=parsed.sender.display() if parsed.sender else "",
        subject=parsed.subject,
        automatic=is_automatic(parsed.headers),
        generated=is_generated(parsed.headers),
        notify=event.notify,
        received_at=event.received_at,
    )
