"""A message Bureau composed, read back from its bytes (a draft to edit, a sent copy).

For any `Outgoing` m, `read_back(build_message(m, include_bcc=True))` gives m's fields
back, with these normalisations: line ends of the bodies as "\\n"; the subject and
display names on one line with their ends stripped; message ids in angle brackets; a
message with no body at all reads back as the text ""; and the text of a message whose
text is exactly what `build.generated_text` makes of its HTML reads back as None (it is
the alternative an HTML-only message gets; such a text adds nothing to the HTML).
Attachments are listed as `shared.mail.mime.parse_message` lists them (the same part paths,
for `services.gateway.attachments.extract_part`); an attached message/rfc822's size is
the one `shared.mail.mime` counts.
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser

from pydantic import BaseModel, Field

from shared.mail.compose.build import generated_text, normalise_lines
from shared.mail.compose.types import Priority
from shared.mail.mime import decode_header_value, parse_message
from shared.model import Address, Attachment

_FOLD = re.compile(r"\r?\n[ \t]+")


class ReadBack(BaseModel):
    sender: Address | None = None
    reply_to: Address | None = None  # the first, if several
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    bcc: list[Address] = Field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    priority: Priority = "normal"
    receipt_to: Address | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    message_id: str | None = None
    date: datetime | None = None  # UTC


def read_back(raw: bytes) -> ReadBack:
    """The fields of a composed message. Never raises (best effort, as `parse_message`)."""
    parsed = parse_message(raw)
    try:
        # compat32, as shared.mail.mime parses: the same tree, raw 8-bit headers kept.
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception:  # noqa: BLE001 - unparseable: what parse_message could read
        msg = Message()
    bodies: dict[str, str] = {}
    _bodies(msg, bodies, top=True)
    text, html = bodies.get("text/plain"), bodies.get("text/html")
    if html is None and text is None:
        text = ""
    elif text is not None and html is not None and text == generated_text(html):
        text = None
    reply_to = _addresses(msg, "reply-to")
    receipt_to = _addresses(msg, "disposition-notification-to")
    return ReadBack(
        sender=parsed.sender,
        reply_to=reply_to[0] if reply_to else None,
        to=parsed.to,
        cc=parsed.cc,
        bcc=_addresses(msg, "bcc"),
        subject=parsed.subject,
        text=text,
        html=html,
        attachments=parsed.attachments,
        priority=_priority(msg),
        receipt_to=receipt_to[0] if receipt_to else None,
        in_reply_to=parsed.in_reply_to[0] if parsed.in_reply_to else None,
        references=parsed.references,
        message_id=parsed.message_id,
        date=parsed.date,
    )


def _addresses(msg: Message, name: str) -> list[Address]:
    # raw_items: compat32's get_all() would turn raw UTF-8 (RFC 6532) into U+FFFD.
    values = [_FOLD.sub(" ", str(v)) for n, v in msg.raw_items() if n.lower() == name]
    return [
        Address(name=decode_header_value(display), address=decode_header_value(addr))
        for display, addr in email.utils.getaddresses(values)
        if display or addr
    ]


def _priority(msg: Message) -> Priority:
    level = decode_header_value(msg.get("x-priority", "")).lstrip()[:1]
    if level in ("1", "2"):
        return "high"
    if level in ("4", "5"):
        return "low"
    importance = decode_header_value(msg.get("importance", "")).lower()
    if importance in ("high", "low"):
        return "high" if importance == "high" else "low"
    return "normal"


def _bodies(part: Message, found: dict[str, str], *, top: bool) -> None:
    """The first text/plain and text/html body parts, chosen as `shared.mail.mime` chooses."""
    ctype = part.get_content_type()
    if ctype == "message/rfc822" and not top:
        return  # an attached message: its bodies are not ours
    if part.is_multipart():
        children = part.get_payload()
        for child in children if isinstance(children, list) else []:
            if isinstance(child, Message):
                _bodies(child, found, top=False)
        return
    if ctype.startswith("multipart/"):
        ctype = "text/plain"  # no boundary found: shared.mail.mime reads it as text
    try:
        disposition, filename = part.get_content_disposition(), part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed part is no body
        return
    if disposition == "attachment" or filename or ctype not in ("text/plain", "text/html"):
        return
    if ctype not in found:
        found[ctype] = _text(part)


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, "replace")
        except LookupError:
            text = payload.decode("latin-1")
    else:
        text = str(part.get_payload())
    text = normalise_lines(text)
    return text[:-1] if text.endswith("\n") else text  # the line break build_message adds
