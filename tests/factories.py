"""Small builders of realistic test mail, shared by the test suites."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from shared.events import new_event_id
from shared.mail.mime import parse_message
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


def make_pdf(text: str) -> bytes:
    """A minimal one-page PDF (PDF 1.4) showing `text` in Helvetica."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
