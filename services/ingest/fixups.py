"""What a submission server may fix in a message before it goes out (RFC 6409 §8): a
missing Date (§8.2) or Message-ID (§8.3) added; and what it must keep from recipients: the
Bcc fields (RFC 5322 §3.6.3), removed from the copy that is transmitted.

These work on the bytes as received: header fields are added at the end of the header
section, removed ones go with their continuation lines, and every other byte stays.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import format_datetime, getaddresses

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")  # RFC 5322 §3.6.8 ftext
HIDDEN = frozenset({"bcc", "resent-bcc"})


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """The header section (with the line end of its last field) and the rest: the blank
    line and the body, or nothing for a message without a body."""
    if raw.startswith((b"\r\n", b"\n")):
        return b"", raw
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    cut = match.start() + (2 if raw.startswith(b"\r\n", match.start()) else 1)
    return raw[:cut], raw[cut:]


def header_fields(header: bytes) -> list[bytes]:
    """The fields of a header section, each with its continuation lines and line ends."""
    fields: list[bytes] = []
    for line in header.splitlines(keepends=True):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def field_name(field: bytes) -> str | None:
    """The field's name lower-cased, None for a line that is no header field."""
    match = _FIELD_NAME.match(field)
    return match.group(1).decode("ascii").lower() if match else None


def add_missing(raw: bytes, *, date: datetime, message_id: str) -> bytes:
    """`raw` with a Date (`date`, which should be aware) and a Message-ID (`message_id`,
    "<left@right>") at the end of its header when it has none."""
    header, rest = split_message(raw)
    names = {field_name(field) for field in header_fields(header)}
    linesep = b"\n" if b"\n" in raw[:65536] and b"\r\n" not in raw[:65536] else b"\r\n"
    added = b""
    if "date" not in names:
        added += b"Date: " + format_datetime(date).encode("ascii") + linesep
    if "message-id" not in names:
        added += b"Message-ID: " + message_id.encode("ascii") + linesep
    if header and not header.endswith(b"\n"):
        header += linesep  # a header-only message whose last line has no line end
    return header + added + rest


def without_hidden(raw: bytes) -> bytes:
    """`raw` without its Bcc and Resent-Bcc fields: the copy recipients get."""
    header, rest = split_message(raw)
    kept = [field for field in header_fields(header) if field_name(field) not in HIDDEN]
    return b"".join(kept) + rest


def addresses(raw: bytes, name: str) -> list[str]:
    """The addr-specs of every `name` field of the header (an empty string for a part
    that does not parse as an address), in order; empty when there is no such field."""
    header, _ = split_message(raw)
    # UTF-8 header fields are allowed in submission (RFC 6532); other 8-bit bytes are junk.
    parsed = HeaderParser(policy=compat32).parsestr(header.decode("utf-8", "replace"))
    values = [str(value) for value in parsed.get_all(name, [])]
    if not values:
        return []
    return [address for _name, address in getaddresses(values)] or [""]
