"""SEARCH: every RFC 3501 §6.4.4 key read from tokens, CHARSET and RETURN, and matching on
flags, numbers, sizes, dates, decoded headers and decoded bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.gateway.imap.search import (
    CHARSETS,
    BadCharset,
    SearchMessage,
    SearchProgram,
    parse_search,
)
from services.gateway.imap.tokens import Atom, ImapSyntaxError, Token

EST = timezone(-timedelta(hours=5))

RAW = (
    b"Date: Fri, 1 Mar 2024 23:30:00 -0500\r\n"
    b"From: =?utf-8?q?Zo=C3=AB_Martin?= <zoe@example.org>\r\n"
    b'To: "Bob" <bob@example.net>, carol@example.net\r\n'
    b"Cc: dave@example.com\r\n"
    b"Bcc: secret@example.com\r\n"
    b"Subject: =?iso-8859-1?q?Caf=E9?= meeting\r\n"
    b"X-Empty:\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n"
    b"\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"UmVuZGV6LXZvdXMgYXUgY2Fmw6kgw6AgbWlkaS4K\r\n"  # "Rendez-vous au café à midi.\n"
    b"--b\r\n"
    b"Content-Type: text/html; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"<p>Cr=E8me br=FBl=E9e</p>\r\n"
    b"--b\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"aGlkZGVuIGJpbmFyeQ==\r\n"  # "hidden binary": not text, not searched
    b"--b\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: Attached plans\r\n"
    b"\r\n"
    b"Inner words.\r\n"
    b"--b--\r\n"
)


def _atoms(text: str) -> list[Token]:
    """Tokens as the reader gives them: atoms, "strings" as bytes, (lists)."""
    tokens: list[Token] = []
    stack: list[list[Token]] = [tokens]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == " ":
            i += 1
        elif ch == "(":
            inner: list[Token] = []
            stack[-1].append(inner)
            stack.append(inner)
            i += 1
        elif ch == ")":
            stack.pop()
            i += 1
        elif ch == '"':
            end = text.index('"', i + 1)
            stack[-1].append(text[i + 1 : end].encode())
            i = end + 1
        else:
            end = i
            while end < len(text) and text[end] not in ' ()"':
                end += 1
            stack[-1].append(Atom(text[i:end]))
            i = end
    return tokens


def _message(
    *,
    seq: int = 3,
    uid: int = 30,
    flags: tuple[str, ...] = ("\\Seen",),
    internaldate: datetime = datetime(2024, 3, 2, 0, 15, tzinfo=EST),
    size: int = 2048,
    raw: bytes | None = RAW,
) -> SearchMessage:
    return SearchMessage(
        seq=seq,
        uid=uid,
        flags=list(flags),
        internaldate=internaldate,
        size=size,
        largest_seq=10,
        largest_uid=100,
        raw=raw,
    )


def _search(text: str, **message: Any) -> bool:
    return parse_search(_atoms(text)).matches(_message(**message))


# --- Parsing -------------------------------------------------------------------------------


def test_charset_and_return_options() -> None:
    program = parse_search(_atoms("RETURN (MIN count SAVE min) CHARSET utf-8 ALL"))
    assert program.returns == ("MIN", "COUNT", "SAVE")
    assert program.charset == "UTF-8"
    assert parse_search(_atoms("RETURN () ALL")).returns == ()
    plain = parse_search(_atoms("ALL"))
    assert (plain.returns, plain.charset) == (None, "US-ASCII")
    assert parse_search([Atom("CHARSET"), b"US-ASCII", Atom("ALL")]).charset == "US-ASCII"


def test_unsupported_charset() -> None:
    with pytest.raises(BadCharset) as raised:
        parse_search(_atoms("CHARSET ISO-8859-1 SUBJECT x"))
    assert raised.value.charset == "ISO-8859-1"
    assert CHARSETS == ("UTF-8", "US-ASCII")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CHARSET",
        "CHARSET UTF-8",
        "RETURN ALL",
        "RETURN (BOGUS) ALL",
        "RETURN (ALL)",
        "BOGUS",
        "FROM",
        "HEADER Subject",
        "KEYWORD",
        "LARGER",
        "LARGER ten",
        "SMALLER -1",
        "SMALLER 99999999999999999999",
        "BEFORE",
        "BEFORE 2024-03-01",
        "SINCE 30-Feb-2024",
        "NOT",
        "OR SEEN",
        "UID",
        "UID abc",
        "UID (1)",
        "0:5",
        "1:x",
        "()",
        '"SEEN"',
        "ALL ALL BOGUS",
    ],
)
def test_bad_programs(text: str) -> None:
    with pytest.raises(ImapSyntaxError):
        parse_search(_atoms(text))


def test_key_text() -> None:
    program = parse_search(_atoms('OR (SEEN 1:5) NOT UID 3,*  FROM "zoe"'))
    assert str(program.key) == "(OR (\\Seen 1:5) NOT UID 3,* HEADER from 'zoe')"


# --- needs_raw -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needs_raw"),
    [
        ("ALL", False),
        ("SEEN UNANSWERED KEYWORD $Junk LARGER 10 UID 1:* 2,4 SINCE 1-Jan-2024", False),
        ("NOT OR DELETED NEW", False),
        ("FROM zoe", True),
        ("OR SEEN SUBJECT x", True),
        ("NOT BODY x", True),
        ("(SEEN (TEXT x))", True),
        ("SENTON 1-Mar-2024", True),
        ('HEADER X-Empty ""', True),
    ],
)
def test_needs_raw(text: str, needs_raw: bool) -> None:
    assert parse_search(_atoms(text)).needs_raw is needs_raw


def test_matching_without_raw_when_not_needed() -> None:
    program = parse_search(_atoms("SEEN LARGER 100"))
    assert program.matches(_message(raw=None))
    with pytest.raises(ValueError):
        parse_search(_atoms("SUBJECT x")).matches(_message(raw=None))


# --- Flags, numbers, sizes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flags", "expected"),
    [
        ("ALL", (), True),
        ("SEEN", ("\\Seen",), True),
        ("SEEN", (), False),
        ("UNSEEN", (), True),
        ("ANSWERED", ("\\Answered",), True),
        ("UNANSWERED", ("\\Answered",), False),
        ("DELETED", ("\\Deleted",), True),
        ("UNDELETED", (), True),
        ("DRAFT", ("\\Draft",), True),
        ("UNDRAFT", ("\\Draft",), False),
        ("FLAGGED", ("\\flagged",), True),  # flags compare without case
        ("UNFLAGGED", (), True),
        ("RECENT", ("\\Recent",), True),
        ("OLD", ("\\Recent",), False),
        ("OLD", (), True),
        ("NEW", ("\\Recent",), True),
        ("NEW", ("\\Recent", "\\Seen"), False),
        ("NEW", (), False),
        ("KEYWORD $Forwarded", ("$forwarded",), True),
        ("KEYWORD $Forwarded", (), False),
        ("UNKEYWORD $Junk", ("$Forwarded",), True),
        ("UNKEYWORD $Junk", ("$Junk",), False),
        ("NOT SEEN", ("\\Seen",), False),
        ("OR SEEN FLAGGED", ("\\Flagged",), True),
        ("OR SEEN FLAGGED", (), False),
        ("SEEN FLAGGED", ("\\Seen",), False),
        ("(SEEN FLAGGED)", ("\\Seen", "\\Flagged"), True),
        ("OR (SEEN FLAGGED) DRAFT", ("\\Draft",), True),
        ("NOT (SEEN FLAGGED)", ("\\Seen",), True),
        ("OR NOT SEEN NOT FLAGGED", ("\\Seen", "\\Flagged"), False),
    ],
)
def test_flags(text: str, flags: tuple[str, ...], expected: bool) -> None:
    assert _search(text, flags=flags) is expected


@pytest.mark.parametrize(
    ("text", "seq", "uid", "expected"),
    [
        ("3", 3, 30, True),
        ("1:2,4", 3, 30, False),
        ("2:*", 3, 30, True),
        ("*", 10, 100, True),
        ("*", 9, 100, False),
        ("12:*", 10, 100, True),  # n:* past the last still holds the last
        ("UID 30", 3, 30, True),
        ("UID 1:29,31:*", 3, 30, False),
        ("UID *", 9, 100, True),
        ("UID 200:*", 9, 100, True),
        ("NOT UID 30", 3, 30, False),
        ("1:5 UID 30:40", 3, 30, True),
    ],
)
def test_sequence_sets(text: str, seq: int, uid: int, expected: bool) -> None:
    assert _search(text, seq=seq, uid=uid) is expected


def test_saved_result() -> None:
    program = parse_search(_atoms("$"))
    assert program.matches(_message(uid=30), saved={10, 30})
    assert not program.matches(_message(uid=31), saved={10, 30})
    assert not program.matches(_message(uid=30))  # nothing saved: the empty set
    assert parse_search(_atoms("UID $")).matches(_message(uid=30), saved={30})


def test_sizes() -> None:
    assert _search("LARGER 2047", size=2048)
    assert not _search("LARGER 2048", size=2048)
    assert _search("SMALLER 2049", size=2048)
    assert not _search("SMALLER 2048", size=2048)


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Internal date 2-Mar-2024 00:15 -0500 (05:15 UTC): its date in its own zone.
        ("ON 2-Mar-2024", True),
        ("ON 1-Mar-2024", False),
        ("SINCE 2-Mar-2024", True),
        ("SINCE 3-Mar-2024", False),
        ("BEFORE 2-Mar-2024", False),
        ("BEFORE 3-Mar-2024", True),
        # Date header: Fri, 1 Mar 2024 23:30 -0500, the date as written.
        ("SENTON 1-Mar-2024", True),
        ("SENTON 2-Mar-2024", False),
        ("SENTSINCE 1-Mar-2024", True),
        ("SENTSINCE 2-Mar-2024", False),
        ("SENTBEFORE 1-Mar-2024", False),
        ("SENTBEFORE 2-Mar-2024", True),
    ],
)
def test_dates(text: str, expected: bool) -> None:
    assert _search(text) is expected


def test_date_arguments_as_strings() -> None:
    assert parse_search([Atom("ON"), b"2-Mar-2024"]).matches(_message())


def test_sent_dates_fall_back_to_the_internal_date() -> None:
    for raw in (b"Subject: no date\r\n\r\n", b"Date: someday\r\n\r\n"):
        assert _search("SENTON 2-Mar-2024", raw=raw)


def test_internal_dates_in_utc() -> None:
    when = datetime(2024, 3, 2, 5, 15, tzinfo=UTC)
    assert _search("ON 2-Mar-2024", internaldate=when)


# --- Headers and text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('FROM "zoë"', True),  # RFC 2047 decoded
        ("FROM MARTIN", True),  # without case
        ("FROM zoe@example.org", True),
        ("FROM bob", False),
        ("TO bob", True),
        ("TO CAROL@example.net", True),
        ("CC dave", True),
        ("BCC secret", True),
        ("BCC dave", False),
        ('SUBJECT "café meeting"', True),  # ISO-8859-1 encoded word decoded
        ("SUBJECT Caf", True),
        ("SUBJECT lunch", False),
        ('HEADER Subject "MEETING"', True),
        ('HEADER X-Empty ""', True),  # empty string: the field is there
        ('HEADER X-Absent ""', False),
        ('HEADER Content-Type "multipart/mixed"', True),
        ("BODY café", True),  # base64 UTF-8 part decoded
        ('BODY "crème brûlée"', True),  # quoted-printable ISO-8859-1 HTML decoded
        ("BODY CRÈME", True),
        ('BODY "hidden binary"', False),  # not a text part
        ('BODY "inner words"', True),  # attached message's text
        ('BODY "attached plans"', True),  # and its header
        ("BODY meeting", False),  # the header is not the body
        ("TEXT meeting", True),
        ("TEXT midi", True),
        ("TEXT zoë", True),
        ("TEXT nowhere", False),
        ("OR SUBJECT nowhere BODY midi", True),
        ("NOT BODY midi", False),
    ],
)
def test_strings(text: str, expected: bool) -> None:
    assert _search(text) is expected


def test_utf8_strings_as_literals() -> None:
    program = parse_search([Atom("CHARSET"), Atom("UTF-8"), Atom("SUBJECT"), "CAFÉ".encode()])
    assert program.matches(_message())


def test_single_part_body_and_unknown_charset() -> None:
    raw = (
        b"Subject: plain\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        b"Na\xc3\xafve text\r\n"
    )
    assert _search("BODY naïve", raw=raw)
    assert _search("TEXT plain", raw=raw)
    assert not _search("BODY plain", raw=raw)
    bare = b"Subject: s\r\n\r\nUndeclared caf\xc3\xa9\r\n"
    assert _search("BODY café", raw=bare)


def test_malformed_messages_are_searched_without_error() -> None:
    for raw in (
        b"",
        b"garbage",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary text",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!",
        b"Content-Transfer-Encoding: x-weird\r\n\r\nweird text",
        b"From: \xff\xfe\r\nSubject: =?bogus?q?x?=\r\n\r\n",
    ):
        assert not _search("TEXT needle", raw=raw)
        assert not _search("FROM needle SENTON 1-Jan-2000", raw=raw)
    assert _search("BODY weird", raw=b"Content-Transfer-Encoding: x-weird\r\n\r\nweird text")
    assert _search("BODY text", raw=b"Content-Type: multipart/mixed\r\n\r\nno boundary text")


def test_program_is_reusable_across_messages() -> None:
    program: SearchProgram = parse_search(_atoms("OR SUBJECT one SUBJECT two"))
    subjects = [b"one", b"two", b"three", b"ONE more"]
    hits = [
        program.matches(_message(raw=b"Subject: " + s + b"\r\n\r\n", seq=i))
        for i, s in enumerate(subjects, 1)
    ]
    assert hits == [True, True, False, True]
