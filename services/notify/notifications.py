"""The new-mail notifications themselves (F57): the one-part SMS and the short e-mail.

Both are built from the `mail.stored` event alone (sender and subject as the store read
them), so no message is read twice. Header values are folded to one line before use: a
sender or subject holding CR/LF cannot add fields to the notification.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.header import Header
from email.message import MIMEPart
from email.utils import format_datetime, getaddresses

from shared.mail.automatic import generated_fields
from shared.mail.sms import parts_needed

_ELLIPSIS = "..."  # GSM 7-bit: "…" would make the whole SMS UCS-2, halving its length
_MAX_SUBJECT = 200


def one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks included) as one space."""
    return " ".join(text.split())


def sender_name(sender: str) -> str:
    """Who a notification says the mail is from: the display name, else the address."""
    sender = one_line(sender)
    pairs = getaddresses([sender])
    if pairs and (pairs[0][0] or pairs[0][1]):
        name, address = pairs[0]
        return one_line(name) or address
    return sender


def sms_notification(sender: str, subject: str) -> str:
    """ "New mail from X: subject", cut to fit one SMS (ending with "..." when cut)."""
    text = f"New mail from {sender_name(sender) or 'unknown sender'}"
    if one_line(subject):
        text += f": {one_line(subject)}"
    if parts_needed(text) == 1:
        return text
    low, high = 0, len(text)  # the longest cut that still fits: parts grow with length
    while low < high:
        middle = (low + high + 1) // 2
        if parts_needed(text[:middle].rstrip() + _ELLIPSIS) == 1:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + _ELLIPSIS


def email_notification(
    *,
    sender: str,
    subject: str,
    received_at: datetime,
    from_address: str,
    to: list[str],
    message_id: str,
    now: datetime,
) -> bytes:
    """The notification e-mail (RFC 5322, CRLF), marked as Bureau's own
    (`Auto-Submitted: auto-generated`, RFC 3834 §5, and `X-Bureau-Generated`) so no
    responder answers it and Bureau never notifies about it."""
    shown_sender = one_line(sender)[:_MAX_SUBJECT] or "unknown sender"
    shown_subject = one_line(subject)[:_MAX_SUBJECT] or "(no subject)"
    lines = [
        "You have a new message.",
        "",
        f"From:     {shown_sender}",
        f"Subject:  {shown_subject}",
        f"Received: {format_datetime(received_at)}",
        "",
        "This notification was sent automatically; change it in your preferences.",
    ]
    body = MIMEPart(policy=policy.SMTP)
    body.set_content("\n".join(lines) + "\n", charset="utf-8")
    header = [
        f"From: Bureau <{from_address}>",
        f"To: {', '.join(to)}",
        f"Subject: {_unstructured(f'New message from {shown_sender}: {shown_subject}')}",
        f"Date: {format_datetime(now)}",
        f"Message-ID: {message_id}",
        *generated_fields("notification"),
        "MIME-Version: 1.0",
    ]
    # UTF-8 only where an address is internationalised (RFC 6532); the rest is ASCII.
    return "\r\n".join(header).encode("utf-8") + b"\r\n" + body.as_bytes()


def _unstructured(text: str) -> str:
    """An unstructured field value (RFC 5322 §3.2.5): as is in ASCII, else RFC 2047
    encoded words. Encoded here, since the stdlib's folding can lose the space between
    two encoded words."""
    if text.isascii():
        return text
    return Header(text, "utf-8").encode(maxlinelen=76, linesep="\r\n")
