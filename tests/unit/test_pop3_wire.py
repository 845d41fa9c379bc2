"""Messages as POP3 sends them: CRLF line ends, TOP's cut, dot-stuffing."""

from __future__ import annotations

import pytest

from services.gateway.pop3.wire import crlf, head, stuffed


@pytest.mark.parametrize(
    ("raw", "sent"),
    [
        (b"A: b\r\n\r\nbody\r\n", b"A: b\r\n\r\nbody\r\n"),
        (b"A: b\n\nbody\n", b"A: b\r\n\r\nbody\r\n"),
        (b"A: b\r\n\nmixed\n", b"A: b\r\n\r\nmixed\r\n"),
        (b"A: b\r\n\r\nno final line end", b"A: b\r\n\r\nno final line end\r\n"),
        (b"lone\rCR\r\n", b"lone\rCR\r\n"),
        (b"", b""),
    ],
)
def test_crlf(raw: bytes, sent: bytes) -> None:
    assert crlf(raw) == sent


MESSAGE = b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\nthree\r\n"


@pytest.mark.parametrize(
    ("lines", "top"),
    [
        (0, b"A: 1\r\nB: 2\r\n\r\n"),
        (2, b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\n"),
        (3, MESSAGE),
        (10**9, MESSAGE),
    ],
)
def test_head(lines: int, top: bytes) -> None:
    assert head(MESSAGE, lines) == top


def test_head_without_body_or_header() -> None:
    assert head(b"A: 1\r\nB: 2\r\n", 5) == b"A: 1\r\nB: 2\r\n"
    assert head(b"\r\nbody only\r\nmore\r\n", 1) == b"\r\nbody only\r\n"


def test_stuffed() -> None:
    assert stuffed(b".first\r\nx\r\n.\r\n..two\r\nend.\r\n") == (
        b"..first\r\nx\r\n..\r\n...two\r\nend.\r\n"
    )
    assert stuffed(b"no dots\r\n") == b"no dots\r\n"
