"""Pieces shared by the two report messages Bureau writes (RFC 6522 multipart/report):
delivery status notifications (`shared/mail/dsn.py`) and read receipts
(`shared/mail/compose/mdn.py`)."""

from __future__ import annotations

import re

CRLF = b"\r\n"
LINE_END = re.compile(rb"\r\n|\r|\n")


def crlf_lines(lines: list[str]) -> bytes:
    """Lines as UTF-8, each ended by CRLF."""
    return b"".join(line.encode("utf-8") + CRLF for line in lines)


def is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def header_section(original: bytes, limit: int) -> bytes:
    """The header section of a message, never failing on a malformed one: up to the first
    empty line (everything when there is none), line ends made CRLF, ending with CRLF. A
    header that runs past `limit` octets is cut at the last line end before it (or at
    `limit` when there is none)."""
    head = LINE_END.sub(CRLF, original[: limit + 2])
    if head.startswith(CRLF):
        return b""
    end = head.find(CRLF + CRLF)
    if end >= 0:
        head = head[: end + 2]
    elif len(original) > limit:
        last = head.rfind(CRLF, 0, limit)
        head = head[: last + 2] if last >= 0 else head[:limit]
    return head if head.endswith(CRLF) else head + CRLF
