"""Small builders of realistic test mail, shared by the test suites."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from shared.events import new_event_id
from shared.mime import parse_message
from shared.model import NewMessage


def make_raw(
    *,
    sender: str = "Bob Martin <bob@example.net>",
    to: str = "alice@example.test",
    subject: str = "Quarterly report",
    body: str = "Hello Alice,\nplease find the figures below.\n",
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    date: datetime | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="example.net")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attachment is not None:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


def new_message(
    account_id: str,
    folder_id: str,
    raw: bytes,
    *,
    blob_id: str = "sha256-" + "0" * 64,
    event_id: str | None = None,
    received_at: datetime | None = None,
) -> NewMessage:
    return NewMessage(
        event_id=event_id or new_event_id(),
        account_id=account_id,
        folder_id=folder_id,
        blob_id=blob_id,
        size=len(raw),
        received_at=received_at or datetime.now(UTC),
        parsed=parse_message(raw),
    )
