"""Best-effort parsing of RFC 5322 / MIME messages (stdlib `email`, policy.default).

Never raises: a malformed message still yields what could be read, and each problem
is listed in `defects`. The raw bytes are kept elsewhere, untouched.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser

from shared.model import Address, Attachment, ParsedMessage

_MSGID = re.compile(r"<[^<>\s]+>")
_FOLD = re.compile(r"\r?\n[ \t]+")
_MAX_HEADER = 8192


def parse_message(raw: bytes) -> ParsedMessage:
    # compat32 keeps headers as strings: decoding only the ones we use is several times
    # faster than policy.default's header registry, which parses every header it touches.
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # noqa: BLE001 - the parser itself gave up: keep an empty parse
        return ParsedMessage(defects=[f"unparseable: {exc}"])
    parsed = ParsedMessage()
    defects: list[str] = [type(d).__name__ for d in msg.defects]
    # raw_items: compat32's get() would turn undecoded 8-bit bytes into U+FFFD.
    raw_headers = list(msg.raw_items())
    parsed.headers = [(name, decode_header_value(value)) for name, value in raw_headers]
    first: dict[str, str] = {}
    every: dict[str, list[str]] = {}
    for name, value in raw_headers:
        first.setdefault(name.lower(), value)
        every.setdefault(name.lower(), []).append(value)
    parsed.subject = decode_header_value(first.get("subject", ""))
    parsed.message_id = _first_msgid(decode_header_value(first.get("message-id", "")))
    parsed.in_reply_to = _msgids(first.get("in-reply-to", ""))
    parsed.references = _msgids(first.get("references", ""))
    senders = _addresses(every.get("from", []))
    parsed.sender = senders[0] if senders else None
    parsed.to = _addresses(every.get("to", []))
    parsed.cc = _addresses(every.get("cc", []))
    parsed.date = _date(decode_header_value(first.get("date", "")))
    _walk(msg, "", parsed, defects)
    parsed.defects = defects
    return parsed


def decode_header_value(value: object) -> str:
    """A header's text: RFC 2047 encoded words decoded, raw 8-bit read as UTF-8 (RFC 6532)
    or, failing that, Latin-1; folding removed."""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # undecodable bytes kept by the parser
        data = text.encode("ascii", "surrogateescape")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    text = _FOLD.sub(" ", text)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            pass  # malformed encoded word: keep the text as it came
    return text.strip()[:_MAX_HEADER]


def _addresses(values: list[str]) -> list[Address]:
    pairs = email.utils.getaddresses([_FOLD.sub(" ", v) for v in values])
    return [
        Address(name=decode_header_value(display), address=decode_header_value(addr))
        for display, addr in pairs
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
    ctype = part.get_content_type()
    if ctype == "message/rfc822" and path:
        # An attached message is one attachment (its own parts are not ours to list).
        _add_attachment(part, path, ctype, _filename(part) or "message.eml", "attachment", parsed)
        return
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
    except Exception as exc:  # noqa: BLE001 - a malformed part must not stop the parse
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


def _filename(part: Message) -> str | None:
    try:
        return part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter: no name
        return None


def _size(part: Message) -> int:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return len(payload)
    inner = part.get_payload()
    if isinstance(inner, list):  # message/rfc822: the attached message's own bytes
        try:
            return sum(len(m.as_bytes()) for m in inner if isinstance(m, Message))
        except Exception:  # noqa: BLE001 - unserialisable: count what we can
            return len(str(inner))
    return len(str(inner))


def _add_attachment(
    part: Message,
    path: str,
    ctype: str,
    filename: str | None,
    disposition: str | None,
    parsed: ParsedMessage,
) -> None:
    size = _size(part)
    content_id = part.get("Content-ID")
    filename = decode_header_value(filename) if filename else None
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
