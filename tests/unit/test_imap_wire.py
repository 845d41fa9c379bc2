"""IMAP output encoding: strings, lists, flags, modified UTF-7 mailbox names, dates."""

from __future__ import annotations

import locale
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.gateway.imap.tokens import ImapSyntaxError
from services.gateway.imap.wire import (
    astring,
    encode_list,
    flag_list,
    internaldate,
    literal,
    literal8,
    nstring,
    parse_date,
    parse_date_time,
    quoted,
    string,
    utf7_decode,
    utf7_encode,
)

# --- Strings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"hello world", b'"hello world"'),
        (b"", b'""'),
        (b'say "hi"', b'"say \\"hi\\""'),
        (b"back\\slash", b'"back\\\\slash"'),
        (b"tab\tand ~", b'"tab\tand ~"'),
        (b"two\r\nlines", b"{10}\r\ntwo\r\nlines"),
        (b"bare\nLF", b"{7}\r\nbare\nLF"),
        (b"caf\xc3\xa9", b"{5}\r\ncaf\xc3\xa9"),
        (b"nul\x00", b"{4}\r\nnul\x00"),
    ],
)
def test_string_is_quoted_when_it_can_be(data: bytes, expected: bytes) -> None:
    assert string(data) == expected


def test_long_strings_go_as_literals() -> None:
    assert string(b"x" * 1024) == b'"' + b"x" * 1024 + b'"'
    assert string(b"x" * 1025) == b"{1025}\r\n" + b"x" * 1025


def test_quoted_encodes_text_as_utf8() -> None:
    assert quoted("Inbox") == b'"Inbox"'
    assert quoted("Déjà") == b"{6}\r\nD\xc3\xa9j\xc3\xa0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INBOX", b"INBOX"),
        ("Archive/2024", b"Archive/2024"),
        ("a]b", b"a]b"),
        ("two words", b'"two words"'),
        ("", b'""'),
        ("NIL", b'"NIL"'),
        ("nil", b'"nil"'),
        ("star*", b'"star*"'),
        ("50%", b'"50%"'),
        ("{brace", b'"{brace"'),
        ("(paren)", b'"(paren)"'),
        ('q"uote', b'"q\\"uote"'),
    ],
)
def test_astring_is_an_atom_when_it_can_be(text: str, expected: bytes) -> None:
    assert astring(text) == expected


def test_nstring_and_literals() -> None:
    assert nstring(None) == b"NIL"
    assert nstring(b"NIL") == b'"NIL"'
    assert literal(b"") == b"{0}\r\n"
    assert literal(b"abc\r\n") == b"{5}\r\nabc\r\n"
    assert literal8(b"a\x00b") == b"~{3}\r\na\x00b"


def test_lists_and_flags() -> None:
    assert encode_list([]) == b"()"
    assert encode_list([b"NIL", b'"a"', b"(1 2)"]) == b'(NIL "a" (1 2))'
    assert flag_list([]) == b"()"
    assert flag_list(["\\Seen", "\\Answered", "$Forwarded"]) == b"(\\Seen \\Answered $Forwarded)"


# --- Modified UTF-7 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", "INBOX"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # RFC 3501 §5.1.3
        ("&", "&-"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("Brouillons réservés", "Brouillons r&AOk-serv&AOk-s"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("été", "&AOk-t&AOk-"),
        ("Ελληνικά", "&A5UDuwO7A7cDvQO5A7oDrA-"),
        ("emoji 📬", "emoji &2D3c7A-"),
        ("tab\there", "tab&AAk-here"),
        ("", ""),
    ],
)
def test_utf7_round_trip(name: str, encoded: str) -> None:
    assert utf7_encode(name) == encoded
    assert utf7_decode(encoded) == name


@pytest.mark.parametrize(
    "bad",
    [
        "&",  # unterminated
        "abc&Jjo",  # unterminated
        "&Jjo!-",  # not base64
        "&AGE-",  # "a", printable ASCII, must stand for itself
        "&AOk-&AOk-",  # two adjacent runs: one run is the only encoding
        "&AOkA6-",  # non-zero leftover bits
        "&2D0-",  # a lone high surrogate
        "&A-",  # not a whole UTF-16 unit
        "café",  # 8-bit where only ASCII may be
        "line\nbreak",  # a control character not encoded
    ],
)
def test_utf7_decode_refuses_what_is_not_canonical(bad: str) -> None:
    with pytest.raises(ImapSyntaxError):
        utf7_decode(bad)


# --- Dates ---------------------------------------------------------------------------------


def test_internaldate_keeps_the_zone_of_the_datetime() -> None:
    pdt = timezone(-timedelta(hours=7))
    assert internaldate(datetime(1996, 7, 17, 2, 44, 25, tzinfo=pdt)) == (
        "17-Jul-1996 02:44:25 -0700"
    )
    ist = timezone(timedelta(hours=5, minutes=30))
    assert internaldate(datetime(2024, 3, 1, 23, 5, 9, tzinfo=ist)) == (
        "01-Mar-2024 23:05:09 +0530"
    )
    assert internaldate(datetime(2024, 12, 31, 0, 0, 0, tzinfo=UTC)) == (
        "31-Dec-2024 00:00:00 +0000"
    )


def test_internaldate_reads_a_naive_datetime_as_utc() -> None:
    assert internaldate(datetime(2001, 2, 3, 4, 5, 6)) == "03-Feb-2001 04:05:06 +0000"


def test_internaldate_uses_english_months_whatever_the_locale() -> None:
    saved = locale.setlocale(locale.LC_TIME)
    try:
        for name in ("fr_FR.UTF-8", "de_DE.UTF-8", "es_ES.UTF-8"):
            try:
                locale.setlocale(locale.LC_TIME, name)
                break
            except locale.Error:
                continue
        months = [internaldate(datetime(2024, m, 1, tzinfo=UTC))[3:6] for m in range(1, 13)]
    finally:
        locale.setlocale(locale.LC_TIME, saved)
    assert months == "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "17-Jul-1996 02:44:25 -0700",
            datetime(1996, 7, 17, 2, 44, 25, tzinfo=timezone(-timedelta(hours=7))),
        ),
        (" 7-Jul-1996 02:44:25 +0000", datetime(1996, 7, 7, 2, 44, 25, tzinfo=UTC)),
        ("7-jul-1996 02:44:25 +0000", datetime(1996, 7, 7, 2, 44, 25, tzinfo=UTC)),
        (
            "01-MAR-2024 23:05:09 +0530",
            datetime(2024, 3, 1, 23, 5, 9, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
    ],
)
def test_parse_date_time(text: str, expected: datetime) -> None:
    parsed = parse_date_time(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_parse_date_time_round_trips_internaldate() -> None:
    when = datetime(2023, 11, 5, 8, 9, 10, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    assert parse_date_time(internaldate(when)) == when


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "17-Jul-1996 02:44:25",  # no zone
        "17-Jul-1996 02:44 -0700",
        "32-Jul-1996 02:44:25 -0700",
        "29-Feb-2023 02:44:25 -0700",
        "17-Jly-1996 02:44:25 -0700",
        "17-Jul-1996 24:00:00 -0700",
        "17-Jul-1996 02:44:25 +0060",
        '"17-Jul-1996 02:44:25 -0700"',
        "1996-07-17T02:44:25-07:00",
    ],
)
def test_parse_date_time_refuses(bad: str) -> None:
    with pytest.raises(ImapSyntaxError):
        parse_date_time(bad)


def test_parse_date() -> None:
    assert parse_date("1-Feb-1994") == date(1994, 2, 1)
    assert parse_date("01-feb-1994") == date(1994, 2, 1)
    assert parse_date("29-Feb-2024") == date(2024, 2, 29)


@pytest.mark.parametrize("bad", ["", "1-Foo-1994", "30-Feb-2020", "1994-02-01", "1-Feb-94"])
def test_parse_date_refuses(bad: str) -> None:
    with pytest.raises(ImapSyntaxError):
        parse_date(bad)
