"""What the server writes on the wire (RFC 3501 §4, §9; RFC 9051): strings as quoted strings
or literals, parenthesised lists, flag lists, mailbox names in modified UTF-7 (RFC 3501
§5.1.3), and the IMAP date and date-time forms, written and read.

All functions are pure. Readers raise `ImapSyntaxError`: a client's malformed argument is
answered BAD.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone

from services.gateway.imap.tokens import ImapSyntaxError

NIL = b"NIL"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.upper(): number for number, name in enumerate(_MONTHS, start=1)}

# A quoted string holds TEXT-CHARs (CHAR but CR and LF) and no NUL; longer text goes as a
# literal, as Dovecot does, so that a response line stays short.
_UNQUOTABLE = re.compile(rb"[\x00\r\n\x80-\xff]")
_MAX_QUOTED = 1024
# ASTRING-CHAR: printable ASCII but atom-specials ( ) { SP % * " \ (and "]" is allowed).
_ATOM = re.compile(r"[!#$&'+-Z^-z|}~\[\]]+")


# --- Strings and lists -----------------------------------------------------------------------


def string(data: bytes) -> bytes:
    """`data` as an IMAP string: quoted when it can be (short, no CR, LF, NUL or 8-bit;
    `"` and `\\` escaped), else a literal."""
    if len(data) > _MAX_QUOTED or _UNQUOTABLE.search(data):
        return literal(data)
    if b"\\" in data or b'"' in data:
        data = data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return b'"' + data + b'"'


def quoted(text: str) -> bytes:
    """`text` (UTF-8) as an IMAP string: quoted when it can be, else a literal."""
    return string(text.encode("utf-8", "surrogateescape"))


def astring(text: str) -> bytes:
    """`text` as an astring: an atom when it is one (and not `NIL`), else a string."""
    if _ATOM.fullmatch(text) and text.upper() != "NIL":
        return text.encode("ascii")
    return quoted(text)


def nstring(data: bytes | None) -> bytes:
    """`NIL` for None, else `data` as a string."""
    return NIL if data is None else string(data)


def literal(data: bytes) -> bytes:
    """A synchronising literal: `{n}` CRLF, then the n octets."""
    return b"{%d}\r\n" % len(data) + data


def literal8(data: bytes) -> bytes:
    """A literal8 (RFC 3516 §4.2): `~{n}` CRLF, then n octets that may include NUL."""
    return b"~{%d}\r\n" % len(data) + data


def encode_list(items: Iterable[bytes]) -> bytes:
    """Items already encoded, as a parenthesised list: `(a b c)`; `()` when empty."""
    return b"(" + b" ".join(items) + b")"


def flag_list(flags: Iterable[str]) -> bytes:
    """Flags and keywords, as FETCH FLAGS and FLAGS responses write them: `(\\Seen $Junk)`."""
    return encode_list(flag.encode("ascii", "replace") for flag in flags)


# --- Modified UTF-7 (RFC 3501 §5.1.3) ------------------------------------------------------


def utf7_encode(name: str) -> str:
    """A mailbox name in modified UTF-7: printable ASCII as itself (`&` as `&-`), every
    run of other characters as `&` + modified BASE64 of its UTF-16 + `-`."""
    out: list[str] = []
    run: list[str] = []
    for ch in name:
        if " " <= ch <= "~":
            if run:
                out.append(_utf7_run("".join(run)))
                run.clear()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    if run:
        out.append(_utf7_run("".join(run)))
    return "".join(out)


def _utf7_run(text: str) -> str:
    encoded = base64.b64encode(text.encode("utf-16-be"), altchars=b"+,").rstrip(b"=")
    return "&" + encoded.decode("ascii") + "-"


def utf7_decode(name: str) -> str:
    """A mailbox name out of modified UTF-7. Raises `ImapSyntaxError` for anything that is
    not the one encoding of some name (bad BASE64, an unclosed `&`, printable ASCII or
    8-bit characters where they cannot be, adjacent encoded runs, odd UTF-16)."""
    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            if not " " <= ch <= "~":
                raise ImapSyntaxError("invalid character in a modified UTF-7 mailbox name")
            out.append(ch)
            i += 1
            continue
        end = name.find("-", i + 1)
        if end < 0:
            raise ImapSyntaxError("unterminated modified UTF-7 in a mailbox name")
        out.append("&" if end == i + 1 else _utf7_decode_run(name[i + 1 : end]))
        i = end + 1
    text = "".join(out)
    if utf7_encode(text) != name:  # not canonical: adjacent runs, ASCII encoded, stray bits
        raise ImapSyntaxError("mailbox name not in canonical modified UTF-7")
    return text


def _utf7_decode_run(encoded: str) -> str:
    if not encoded.isascii() or len(encoded) % 4 == 1:
        raise ImapSyntaxError("invalid modified BASE64 in a mailbox name")
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        data = base64.b64decode(padded, altchars=b"+,", validate=True)
        return data.decode("utf-16-be")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ImapSyntaxError("invalid modified BASE64 in a mailbox name") from exc


# --- Dates ---------------------------------------------------------------------------------


def internaldate(when: datetime) -> str:
    """An IMAP date-time without its quotes: `17-Jul-1996 02:44:25 -0700`, in the zone of
    `when` (UTC if naive), English month names whatever the locale."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return (
        f"{when.day:02d}-{_MONTHS[when.month - 1]}-{when.year:04d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {sign}{hours:02d}{minutes:02d}"
    )


_DATE_TIME = re.compile(
    r" ?([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})"
    r" ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
)
_DATE = re.compile(r"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")


def parse_date_time(text: str) -> datetime:
    """An IMAP date-time (APPEND, RFC 3501 §9 `date-time` without its quotes) as an aware
    datetime. Raises `ImapSyntaxError`."""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ImapSyntaxError(f"invalid date-time: {text!r}")
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    if int(zone_m) > 59:
        raise ImapSyntaxError(f"invalid time zone: {text!r}")
    offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
    try:
        zone = timezone(-offset if sign == "-" else offset)
        clock = (int(hour), int(minute), int(second))
        return datetime(int(year), _month(month, text), int(day), *clock, tzinfo=zone)
    except ValueError as exc:
        raise ImapSyntaxError(f"invalid date-time: {text!r}") from exc


def parse_date(text: str) -> date:
    """An IMAP date (SEARCH BEFORE, ON, SINCE, SENT…: `1-Feb-1994`). Raises
    `ImapSyntaxError`."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise ImapSyntaxError(f"invalid date: {text!r}")
    day, month, year = match.groups()
    try:
        return date(int(year), _month(month, text), int(day))
    except ValueError as exc:
        raise ImapSyntaxError(f"invalid date: {text!r}") from exc


def _month(name: str, text: str) -> int:
    number = _MONTH_NUMBERS.get(name.upper())
    if number is None:
        raise ImapSyntaxError(f"invalid month in {text!r}")
    return number
