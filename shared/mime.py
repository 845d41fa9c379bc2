"""Best-effort parsing of RFC 5322 / MIME messages (stdlib `email`, policy.default).

Never raises: a malformed message still yields what could be read, and each problem
is listed in `defects`. The raw bytes are kept elsewhere, untouched.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from shared.model import Address, Attachment, ParsedMessage

_MSGID = re.compile(r"<[^<>\s]+>")
_MAX_HEADER = 8192


def parse_message(raw: bytes) -> ParsedMessage:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:
        return ParsedMessage(defects=[f"unparseable: {exc}"])
    parsed = ParsedMessage()
    defects: list[str] = [type(d).__name__ for d in msg.defects]
    parsed.headers = _headers(msg, defects)
    parsed.subject = _header_text(msg, "Subject", defects)
    parsed.message_id = _first_msgid(_header_text(msg, "Message-ID", defects))
    parsed.in_reply_to = _msgids(_header_text(msg, "In-Reply-To", defects))
    parsed.references = _msgids(_header_text(msg, "References", defects))
    senders = _addresses(msg, "From", defects)
    parsed.sender = senders[0] if senders else None
    parsed.to = _addresses(msg, "To", defects)
    parsed.cc = _addresses(msg, "Cc", defects)
    parsed.date = _date(_header_text(msg, "Date", defects))
    _walk(msg, "", parsed, defects)
    parsed.defects = defects
    return parsed


def _headers(msg: Message, defects: list[str]) -> list[tuple[str, str]]:
    out = []
    for name, _value in msg.raw_items() if isinstance(msg, EmailMessage) else msg.items():
        out.append((name, _header_text_raw(msg, name, _value, defects)))
    return out


def _header_text_raw(msg: Message, name: str, value: Any, defects: list[str]) -> str:
    try:
        text = str(msg.policy.header_fetch_parse(name, value))
    except Exception as exc:
        defects.append(f"header {name}: {exc}")
        text = str(value)
    return text[:_MAX_HEADER]


def _header_text(msg: Message, name: str, defects: list[str]) -> str:
    try:
        value = msg.get(name)
    except Exception as exc:
        defects.append(f"header {name}: {exc}")
        raw = msg.get_all(name, failobj=None) if hasattr(msg, "get_all") else None
        return str(raw[0]) if raw else ""
    return "" if value is None else str(value).strip()[:_MAX_HEADER]


def _addresses(msg: Message, name: str, defects: list[str]) -> list[Address]:
    text = _header_text(msg, name, defects)
    if not text:
        return []
    return [
        Address(name=display, address=addr)
        for display, addr in email.utils.getaddresses([text])
        if display or addr
    ]


def _first_msgid(text: str) -> str | None:
    ids = _msgids(text)
    if ids:
        return ids[0]
    text = text.strip()
    return f"<{text.strip('<>')}>" if text else None


def _msgids(text: str) -> list[str]:
    return _MSGID.findall(text)


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _walk(part: Message, path: str, parsed: ParsedMessage, defects: list[str]) -> None:
    """Depth-first over the MIME tree; part paths as IMAP numbers sections (RFC 3501 §6.4.5)."""
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            return
        for i, child in enumerate(children, start=1):
            _walk(child, f"{path}.{i}" if path else str(i), parsed, defects)
        return
    own_path = path or "1"
    ctype = part.get_content_type()
    if ctype.startswith("multipart/"):
        # A multipart whose boundary never appears: its payload is plain text.
        ctype = "text/plain"
    try:
        disposition = part.get_content_disposition()
        filename = part.get_filename()
    except Exception as exc:
        defects.append(f"part {own_path}: {exc}")
        disposition, filename = None, None
    is_body = disposition != "attachment" and not filename and ctype in ("text/plain", "text/html")
    if is_body:
        text = _text_of(part, own_path, defects)
        if ctype == "text/plain" and not parsed.text_body:
            parsed.text_body = text
        elif ctype == "text/html" and not parsed.html_body:
            parsed.html_body = text
        else:
            _add_attachment(part, own_path, ctype, filename, disposition, parsed)
        return
    if ctype == "message/rfc822" and not filename:
        filename = "message.eml"
    _add_attachment(part, own_path, ctype, filename, disposition, parsed)


def _add_attachment(
    part: Message,
    path: str,
    ctype: str,
    filename: str | None,
    disposition: str | None,
    parsed: ParsedMessage,
) -> None:
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else len(str(part.get_payload()))
    content_id = part.get("Content-ID")
    parsed.attachments.append(
        Attachment(
            part=path,
            filename=filename or f"part-{path}",
            content_type=ctype,
            size=size,
            content_id=str(content_id).strip() if content_id else None,
            inline=disposition == "inline",
        )
    )


def _text_of(part: Message, path: str, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        defects.append(f"part {path}: unknown charset {charset}")
        return payload.decode("latin-1", "replace")
