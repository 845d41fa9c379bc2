"""Which attachment types may be shown in the browser, and which are only downloads."""

from __future__ import annotations

import pytest

from services.gateway.part_types import (
    OPAQUE,
    header_charset,
    is_risky,
    protective_headers,
    served_as,
)
from services.gateway.rendering import text_format
from shared.model import StoredMessage


@pytest.mark.parametrize(
    "ctype",
    [
        "text/html",
        "TEXT/HTML",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/xsl",
        "multipart/x-mixed-replace",
        "text/html;charset=utf-8",
        "text/plain\r\nSet-Cookie: x=1",
        "garbage",
        "",
    ],
)
def test_risky_types_are_served_opaque(ctype: str) -> None:
    assert is_risky(ctype)
    assert served_as(ctype, want_inline=True) == (OPAQUE, False)


@pytest.mark.parametrize(
    ("ctype", "inline"),
    [
        ("image/png", True),
        ("application/pdf", True),
        ("text/plain", True),
        ("video/mp4", True),
        ("application/zip", False),
        ("application/vnd.ms-excel", False),
        ("text/csv", False),
    ],
)
def test_safe_types_keep_their_type(ctype: str, inline: bool) -> None:
    assert served_as(ctype, want_inline=True) == (ctype, inline)
    assert served_as(ctype, want_inline=False) == (ctype, False)


def test_header_charset() -> None:
    assert header_charset(" UTF-8 ") == "utf-8"
    assert header_charset("iso-8859-15") == "iso-8859-15"
    assert header_charset(None) is None
    assert header_charset('utf-8"; x=1') is None
    assert header_charset("utf-8\r\nSet-Cookie: a=b") is None


def test_protective_headers() -> None:
    sandbox = "default-src 'none'; sandbox"
    assert protective_headers("image/png", inline=True) == {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": sandbox,
    }
    assert protective_headers("application/pdf", inline=False)["Content-Security-Policy"] == sandbox
    assert "Content-Security-Policy" not in protective_headers("application/pdf", inline=True)


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/plain; charset=utf-8; format=flowed; delsp=yes", (True, True)),
        ('text/plain; format="Flowed"', (True, False)),
        ("text/plain", (False, False)),
        ("multipart/alternative; boundary=x; format=flowed", (False, False)),
        (None, (False, False)),
    ],
)
def test_text_format_from_the_header(content_type: str | None, expected: tuple[bool, bool]) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    message = StoredMessage.model_validate(
        {
            "id": "m", "account_id": "a", "folder_id": "f", "blob_id": "b", "subject": "",
            "sender": None, "to": [], "date": "2026-01-01T00:00:00Z",
            "received_at": "2026-01-01T00:00:00Z", "size": 1, "unread": True, "flagged": False,
            "has_attachments": False, "thread_id": "t", "modseq": 1, "message_id": None,
            "in_reply_to": [], "references": [], "headers": headers, "text_body": "",
            "html_body": "", "attachments": [],
        }
    )  # fmt: skip
    assert text_format(message) == expected
