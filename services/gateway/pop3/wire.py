"""Messages as POP3 sends them (RFC 1939 §3): CRLF line ends, dot-stuffed, ended by ".".

Stored mail normally has CRLF line ends already (SMTP and composed mail); a message kept
with bare LF is sent with CRLF all the same. Pure functions over bytes.
"""

from __future__ import annotations

TERMINATOR = b".\r\n"


def crlf(raw: bytes) -> bytes:
    """`raw` with every line ending in CRLF, the last one included."""
    data = raw
    if data.count(b"\n") != data.count(b"\r\n"):  # bare LF somewhere (rare: copy then)
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if data and not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def head(data: bytes, lines: int) -> bytes:
    """What TOP sends of CRLF `data`: the header, the blank line after it and the first
    `lines` lines of the body (the whole message when it has no body)."""
    if data.startswith(b"\r\n"):
        end = 2
    else:
        blank = data.find(b"\r\n\r\n")
        if blank < 0:
            return data
        end = blank + 4
    position = end
    for _ in range(lines):
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return data
        position = line_end + 2
    return data[:position]


def stuffed(data: bytes) -> bytes:
    """CRLF `data` as the body of a multi-line response, without the terminating line:
    a "." that starts a line is doubled."""
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..")
