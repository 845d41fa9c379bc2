"""Best-effort MIME parsing: what the store keeps of each message (table-driven)."""

from __future__ import annotations

import pytest

from shared.mail.mime import decode_header_value, parse_message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain words", "plain words"),
        ("=?utf-8?q?caf=C3=A9?=", "café"),
        ("=?iso-8859-1?b?Y2Fm6Q==?=", "café"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # RFC 2047 §6.2: space between words dropped
        ("folded\r\n  line", "folded line"),
        ("caf\udcc3\udca9 raw utf-8", "café raw utf-8"),  # 8-bit header (RFC 6532)
        ("caf\udce9 raw latin-1", "café raw latin-1"),
        ("=?bogus-charset?q?x?=", "=?bogus-charset?q?x?="),
        ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated"),
    ],
)
def test_header_decoding(raw: str, expected: str) -> None:
    assert decode_header_value(raw) == expected


MULTIPART = (
    b"From: =?utf-8?q?Andr=C3=A9?= <andre@example.net>\r\n"
    b'To: alice@example.test,\r\n "Carol C" <carol@example.test>\r\n'
    b"Cc: dave@example.test\r\n"
    b"Subject: =?utf-8?q?R=C3=A9union?=\r\n"
    b"Message-ID: <m2@example.net>\r\n"
    b"In-Reply-To: <m1@example.net>\r\n"
    b"References: <m0@example.net>\r\n <m1@example.net>\r\n"
    b"Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
    b"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
    b"--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nd=E9j=E0 vu\r\n"
    b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>d\xc3\xa9j\xc3\xa0 vu</p>\r\n"
    b"--inner--\r\n"
    b"--outer\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
    b"--outer\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\n"
    b"Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
    b"--outer--\r\n"
)


def test_multipart_message() -> None:
    parsed = parse_message(MULTIPART)
    assert parsed.subject == "Réunion"
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == ("André", "andre@example.net")
    assert [a.address for a in parsed.to] == ["alice@example.test", "carol@example.test"]
    assert parsed.to[1].name == "Carol C"
    assert [a.address for a in parsed.cc] == ["dave@example.test"]
    assert parsed.message_id == "<m2@example.net>"
    assert parsed.in_reply_to == ["<m1@example.net>"]
    assert parsed.references == ["<m0@example.net>", "<m1@example.net>"]
    assert parsed.date is not None and parsed.date.isoformat() == "2026-11-02T09:00:00+00:00"
    assert parsed.text_body.strip() == "déjà vu"
    assert parsed.html_body.strip() == "<p>déjà vu</p>"
    assert [(a.part, a.filename, a.content_type, a.size, a.inline) for a in parsed.attachments] == [
        ("2", "résumé.pdf", "application/pdf", 8, False),
        ("3", "part-3", "image/png", 4, True),
    ]
    assert parsed.attachments[1].content_id == "<logo>"
    assert ("Subject", "Réunion") in parsed.headers


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without headers",
        b"Content-Type: multipart/mixed; boundary=never\r\n\r\nno boundary at all",
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nbody",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        b"Date: the day after tomorrow\r\nFrom: <<<@@@>>>\r\n\r\nbody",
        b"Subject: " + b"x" * 100_000 + b"\r\n\r\nbody",
    ],
)
def test_malformed_input_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert len(parsed.subject) <= 8192
