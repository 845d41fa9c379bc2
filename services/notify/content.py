"""What an SMS or a fax recipient receives of a message (F3, F4).

SMS carry the text body only: attachments are not sent, an HTML-only body is turned into
its text. A fax is the same text as a cover page (with who sent it and the subject)
followed by the attachments, merged into one PDF by `fax.fax_document`.
"""

from __future__ import annotations

from email import policy
from email.message import Message
from email.parser import BytesParser

from shared.mail.html_text import html_to_text
from shared.mail.mime import decode_header_value
from shared.model import ParsedMessage


def body_text(parsed: ParsedMessage) -> str:
    """The message's text: the text part, else the text of the HTML part; line ends as
    LF (a CRLF would cost two SMS characters), trailing blanks dropped."""
    text = parsed.text_body if parsed.text_body.strip() else html_to_text(parsed.html_body)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def sms_text(parsed: ParsedMessage) -> str:
    """The text an SMS recipient gets: the body, or the subject of a message without one."""
    return body_text(parsed) or " ".join(parsed.subject.split())


def fax_cover(parsed: ParsedMessage, number: str) -> str:
    """The cover page: sender, recipient, date and subject, then the body."""
    lines = []
    if parsed.sender is not None:
        lines.append(f"From: {parsed.sender.display()}")
    lines.append(f"To: {number}")
    if parsed.date is not None:
        lines.append(f"Date: {parsed.date:%Y-%m-%d %H:%M} UTC")
    if parsed.subject:
        lines.append(f"Subject: {' '.join(parsed.subject.split())}")
    body = body_text(parsed)
    return "\n".join(lines) + ("\n\n" + body if body else "") + "\n"


def attachments(raw: bytes) -> list[tuple[str, str, bytes]]:
    """(name, content type, decoded bytes) of each attachment of `raw`, in order: every
    leaf part except the first text and first HTML body parts (as `shared.mail.mime` reads
    them). Never raises: a part that cannot be decoded is left out."""
    try:
        root = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception:  # noqa: BLE001 - an unparseable message has no attachments to fax
        return []
    found: list[tuple[str, str, bytes]] = []
    bodies: set[str] = set()
    for index, part in enumerate(_leaves(root)):
        ctype = part.get_content_type()
        if ctype.startswith("multipart/"):
            ctype = "text/plain"  # a multipart whose boundary never appears, as shared.mail.mime
        try:
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001 - malformed parameters: an unnamed part
            filename, disposition = None, None
        if (
            disposition != "attachment"
            and not filename
            and ctype in ("text/plain", "text/html")
            and ctype not in bodies
        ):
            bodies.add(ctype)
            continue
        name = decode_header_value(filename) if filename else f"part-{index + 1}"
        if ctype == "message/rfc822":
            # An attached message is never a PDF: only its name goes on the cover.
            found.append((name if filename else "message.eml", ctype, b""))
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append((name, ctype, payload))
    return found


def _leaves(part: Message) -> list[Message]:
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        children = part.get_payload()
        if isinstance(children, list):
            return [
                leaf for child in children if isinstance(child, Message) for leaf in _leaves(child)
            ]
        return []
    return [part]
