"""SEARCH criteria (RFC 3501 §6.4.4, RFC 9051 §6.4.4): read from the command's tokens into
a `SearchProgram`, then matched against one message at a time.

`parse_search` takes the tokens after SEARCH: an optional `RETURN (…)` (RFC 4731, RFC
9051 ESEARCH, with SAVE of RFC 5182), an optional `CHARSET x`, then one or more keys,
ANDed. A malformed program raises `ImapSyntaxError` (BAD); a charset other than UTF-8
or US-ASCII raises `BadCharset` (NO [BADCHARSET (UTF-8 US-ASCII)]).

Strings match as case-insensitive substrings of decoded text: header values with their
RFC 2047 encoded words decoded, bodies with their transfer encoding and charset removed
(text parts, and the header and text parts of attached messages). BEFORE, ON and SINCE
compare the date of the internal date in its own time zone; SENTBEFORE, SENTON and
SENTSINCE the date the Date header writes (the internal date when it has none that
reads).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from services.gateway.imap.sections import (
    Entity,
    RawMessage,
    decode_transfer,
    first_value,
    transfer_encoding,
)
from services.gateway.imap.seqset import SequenceSet, parse_sequence_set
from services.gateway.imap.tokens import Atom, ImapSyntaxError, Token, text_of
from services.gateway.imap.wire import parse_date
from shared.mail.mime import decode_header_value

CHARSETS = ("UTF-8", "US-ASCII")
RETURN_OPTIONS = ("MIN", "MAX", "ALL", "COUNT", "SAVE")
_MAX_SIZE = 2**63 - 1
_SEQUENCE = re.compile(r"[0-9*$][0-9*:,]*")
_NUMBER = re.compile(r"[0-9]{1,19}")


class BadCharset(Exception):
    """A CHARSET the server does not search in: answered `NO [BADCHARSET (UTF-8 US-ASCII)]`."""

    def __init__(self, charset: str) -> None:
        super().__init__(f"unsupported charset: {charset}")
        self.charset = charset


@dataclass(slots=True)
class SearchMessage:
    """What a message is searched on. `flags` holds system flags (`\\Recent` included when
    recent) and keywords; `raw` is loaded only when the program `needs_raw`; the largest
    sequence number and UID stand for `*`."""

    seq: int
    uid: int
    flags: list[str]
    internaldate: datetime
    size: int
    largest_seq: int
    largest_uid: int
    raw: bytes | None = None


class _Context:
    """One message being matched: what the keys read of it, each read once."""

    def __init__(self, message: SearchMessage, saved: Collection[int] | None) -> None:
        self.message = message
        self.saved = saved

    @cached_property
    def flags(self) -> set[str]:
        return {flag.lower() for flag in self.message.flags}

    @cached_property
    def parsed(self) -> RawMessage:
        if self.message.raw is None:
            raise ValueError("this search needs the message's bytes")
        return RawMessage(self.message.raw)

    @cached_property
    def headers(self) -> list[tuple[str, str]]:
        """(lower-case name, decoded value) of each field of the message's header."""
        return [(f.name, _decoded(f.value).casefold()) for f in self.parsed.fields]

    @cached_property
    def body(self) -> str:
        parsed = self.parsed
        return "\n".join(_texts(parsed.raw, parsed.tree)).casefold()

    @cached_property
    def text(self) -> str:
        """The header, then the body: what TEXT searches."""
        header = "\n".join(f"{name}: {value}" for name, value in self.headers)
        return header + "\n" + self.body


# --- Keys ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Key:
    """A search key: `test` tells whether a message matches; `needs_raw` whether it reads
    the message's bytes."""

    test: Callable[[_Context], bool] = field(compare=False)
    needs_raw: bool = False
    text: str = ""  # the key as written, for messages and tests

    def __str__(self) -> str:
        return self.text


def _all_of(keys: list[Key]) -> Key:
    if len(keys) == 1:
        return keys[0]
    tests = [key.test for key in keys]
    return Key(
        lambda c: all(test(c) for test in tests),
        any(key.needs_raw for key in keys),
        "(" + " ".join(map(str, keys)) + ")",
    )


def _flag(name: str, present: bool = True) -> Key:
    lower = name.lower()
    text = name if present else f"NOT {name}"
    if present:
        return Key(lambda c: lower in c.flags, text=text)
    return Key(lambda c: lower not in c.flags, text=text)


def _header(name: str, needle: str) -> Key:
    folded = needle.casefold()

    def test(c: _Context) -> bool:
        return any(n == name and folded in value for n, value in c.headers)

    return Key(test, True, f"HEADER {name} {needle!r}")


def _sent_date(c: _Context) -> date:
    value = first_value(c.parsed.fields, "date")
    if value is not None:
        try:
            return email.utils.parsedate_to_datetime(_decoded(value)).date()
        except (TypeError, ValueError, IndexError):
            pass  # unreadable: the internal date stands in
    return c.message.internaldate.date()


_COMPARE: dict[str, Callable[[date, date], bool]] = {
    "BEFORE": lambda day, limit: day < limit,
    "ON": lambda day, limit: day == limit,
    "SINCE": lambda day, limit: day >= limit,
}


def _date_key(name: str, limit: date) -> Key:
    sent = name.startswith("SENT")
    compare = _COMPARE[name.removeprefix("SENT")]
    text = f"{name} {limit.isoformat()}"
    if sent:
        return Key(lambda c: compare(_sent_date(c), limit), True, text)
    return Key(lambda c: compare(c.message.internaldate.date(), limit), False, text)


def _sequence(sequence: SequenceSet, *, uid: bool) -> Key:
    text = f"UID {sequence}" if uid else str(sequence)
    if sequence.saved:  # "$": the UIDs the last SEARCH saved (RFC 5182); none if none
        return Key(lambda c: c.saved is not None and c.message.uid in c.saved, text=text)
    if uid:
        return Key(lambda c: sequence.contains(c.message.uid, c.message.largest_uid), text=text)
    return Key(lambda c: sequence.contains(c.message.seq, c.message.largest_seq), text=text)


# --- The program ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchProgram:
    """A parsed SEARCH: its key (the criteria ANDed), CHARSET (upper case; US-ASCII when
    not given) and the RETURN options (None without RETURN; () for `RETURN ()`, which
    means ALL)."""

    key: Key
    charset: str = "US-ASCII"
    returns: tuple[str, ...] | None = None

    @property
    def needs_raw(self) -> bool:
        """Whether matching reads the message's bytes (headers, body, text, sent dates)."""
        return self.key.needs_raw

    def matches(self, message: SearchMessage, *, saved: Collection[int] | None = None) -> bool:
        """Whether the message meets the criteria; `saved` is the UIDs a previous SEARCH
        saved, for `$`."""
        return self.key.test(_Context(message, saved))


def parse_search(tokens: list[Token]) -> SearchProgram:
    """A SEARCH command's arguments. Raises `ImapSyntaxError` or `BadCharset`."""
    tokens = list(tokens)
    returns: tuple[str, ...] | None = None
    if tokens and _word(tokens[0]) == "RETURN":
        if len(tokens) < 2 or not isinstance(tokens[1], list):
            raise ImapSyntaxError("RETURN takes a list of options")
        returns = parse_return_options(tokens[1])
        tokens = tokens[2:]
    charset = "US-ASCII"
    if tokens and _word(tokens[0]) == "CHARSET":
        if len(tokens) < 2 or isinstance(tokens[1], list):
            raise ImapSyntaxError("CHARSET takes a charset name")
        charset = text_of(tokens[1]).upper()
        if charset not in CHARSETS:
            raise BadCharset(charset)
        tokens = tokens[2:]
    if not tokens:
        raise ImapSyntaxError("SEARCH needs at least one search key")
    reader = _Reader(tokens)
    keys = []
    while not reader.done():
        keys.append(reader.key())
    return SearchProgram(_all_of(keys), charset, returns)


def parse_return_options(token: Token) -> tuple[str, ...]:
    """`(MIN MAX ALL COUNT SAVE)`, upper case, each once. Raises `ImapSyntaxError`."""
    if not isinstance(token, list):
        raise ImapSyntaxError("expected a list of RETURN options")
    options: list[str] = []
    for item in token:
        option = _word(item)
        if option not in RETURN_OPTIONS:
            raise ImapSyntaxError(f"unknown RETURN option: {text_of(item)[:32]!r}")
        if option not in options:
            options.append(option)
    return tuple(options)


def _word(token: Token) -> str | None:
    return token.upper() if isinstance(token, Atom) else None


_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True),
    "DELETED": ("\\Deleted", True),
    "DRAFT": ("\\Draft", True),
    "FLAGGED": ("\\Flagged", True),
    "RECENT": ("\\Recent", True),
    "SEEN": ("\\Seen", True),
    "UNANSWERED": ("\\Answered", False),
    "UNDELETED": ("\\Deleted", False),
    "UNDRAFT": ("\\Draft", False),
    "UNFLAGGED": ("\\Flagged", False),
    "UNSEEN": ("\\Seen", False),
    "OLD": ("\\Recent", False),
}
_ADDRESS_KEYS = ("BCC", "CC", "FROM", "SUBJECT", "TO")
_DATE_KEYS = ("BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE")


# NOT, OR and groups nest this deep at most: reading a key and testing it recurse once a
# level, and clients write long OR chains (one level per operand).
MAX_KEY_DEPTH = 100


class _Reader:
    def __init__(self, tokens: list[Token], depth: int = 0) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = depth  # NOT, OR and groups around these tokens

    def done(self) -> bool:
        return self.pos >= len(self.tokens)

    def next(self, what: str) -> Token:
        if self.done():
            raise ImapSyntaxError(f"missing {what}")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def string(self, what: str) -> str:
        token = self.next(what)
        if isinstance(token, list):
            raise ImapSyntaxError(f"expected {what}, not a list")
        return text_of(token)

    def number(self, what: str) -> int:
        token = self.next(what)
        if not isinstance(token, Atom) or not _NUMBER.fullmatch(token.value):
            raise ImapSyntaxError(f"expected {what}")
        value = int(token.value)
        if value > _MAX_SIZE:
            raise ImapSyntaxError(f"{what} too large")
        return value

    def key(self) -> Key:
        if self.depth >= MAX_KEY_DEPTH:
            raise ImapSyntaxError(f"search keys nest at most {MAX_KEY_DEPTH} deep")
        self.depth += 1
        try:
            return self._key()
        finally:
            self.depth -= 1

    def _key(self) -> Key:
        token = self.next("search key")
        if isinstance(token, list):
            if not token:
                raise ImapSyntaxError("empty parenthesised search keys")
            inner = _Reader(token, self.depth)
            keys = []
            while not inner.done():
                keys.append(inner.key())
            return _all_of(keys)
        if isinstance(token, bytes):
            raise ImapSyntaxError("expected a search key, not a string")
        word = token.upper()
        if _SEQUENCE.fullmatch(word):
            return _sequence(parse_sequence_set(token.value), uid=False)
        if word == "ALL":
            return Key(lambda c: True, text="ALL")
        if word in _FLAG_KEYS:
            name, present = _FLAG_KEYS[word]
            return _flag(name, present)
        if word == "NEW":
            recent, unseen = _flag("\\Recent"), _flag("\\Seen", False)
            return Key(lambda c: recent.test(c) and unseen.test(c), text="NEW")
        if word in ("KEYWORD", "UNKEYWORD"):
            keyword = self.string("keyword")
            return _flag(keyword, word == "KEYWORD")
        if word in _ADDRESS_KEYS:
            return _header(word.lower(), self.string("search string"))
        if word == "HEADER":
            name = self.string("header field name").lower()
            return _header(name, self.string("search string"))
        if word in ("BODY", "TEXT"):
            return _text_key(word, self.string("search string"))
        if word in _DATE_KEYS:
            return _date_key(word, parse_date(self.string("date")))
        if word in ("LARGER", "SMALLER"):
            size = self.number("size")
            if word == "LARGER":
                return Key(lambda c: c.message.size > size, text=f"LARGER {size}")
            return Key(lambda c: c.message.size < size, text=f"SMALLER {size}")
        if word == "UID":
            token = self.next("UID set")
            if not isinstance(token, Atom):
                raise ImapSyntaxError("expected a UID set")
            return _sequence(parse_sequence_set(token.value), uid=True)
        if word == "NOT":
            inner_key = self.key()
            test = inner_key.test
            return Key(lambda c: not test(c), inner_key.needs_raw, f"NOT {inner_key}")
        if word == "OR":
            left, right = self.key(), self.key()
            lt, rt = left.test, right.test
            needs = left.needs_raw or right.needs_raw
            return Key(lambda c: lt(c) or rt(c), needs, f"OR {left} {right}")
        raise ImapSyntaxError(f"unknown search key: {token.value[:32]!r}")


def _text_key(word: str, needle: str) -> Key:
    folded = needle.casefold()
    if word == "BODY":
        return Key(lambda c: folded in c.body, True, f"BODY {needle!r}")
    return Key(lambda c: folded in c.text, True, f"TEXT {needle!r}")


# --- Text out of a message -----------------------------------------------------------------


def _decoded(value: bytes) -> str:
    return decode_header_value(value.decode("ascii", "surrogateescape"))


def _texts(raw: bytes, entity: Entity) -> list[str]:
    """The decoded text of the text parts under `entity`, and of the headers of the
    messages attached below it."""
    if entity.children:
        return [text for child in entity.children for text in _texts(raw, child)]
    if entity.message is not None:
        inner = entity.message
        header = "\n".join(f"{f.name}: {_decoded(f.value)}" for f in inner.fields)
        return [header, *_texts(raw, inner)]
    if entity.type.lower() != b"text":
        return []
    data = decode_transfer(raw[entity.body_start : entity.end], transfer_encoding(entity))
    if data is None:
        data = raw[entity.body_start : entity.end]
    return [_decode_text(data, _charset(entity))]


def _charset(entity: Entity) -> str:
    for key, value in entity.params:
        if key.lower() == b"charset":
            return value.decode("ascii", "replace").strip() or "us-ascii"
    return "us-ascii"


def _decode_text(data: bytes, charset: str) -> str:
    if charset.lower() in ("us-ascii", "ascii"):
        charset = "utf-8"  # undeclared 8-bit text is most often UTF-8
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")
