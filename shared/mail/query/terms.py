"""One term of the search language: a bare word, a quoted phrase, or a `field:value`.

Words are runs of letters, digits and combining marks (so é, ü and 日本 are word text);
anything else is punctuation, which the indexes split on. A bare term made of one such
run is a `Word`; one with punctuation inside (`bob@example.net`, `10:30`, `e-mail`) is a
`Phrase` of its text, which the adapters split into words matched in order.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from shared.mail.query.ast import (
    MIN_PREFIX,
    After,
    Before,
    Flag,
    HasAttachment,
    InFolder,
    Is,
    Larger,
    Node,
    Phrase,
    Smaller,
    TagIs,
    TextField,
    Word,
)
from shared.mail.query.errors import QuerySyntaxError

TEXT_FIELDS: dict[str, TextField] = {
    "from": TextField.FROM,
    "to": TextField.TO,
    "cc": TextField.CC,
    "subject": TextField.SUBJECT,
    "body": TextField.BODY,
    "attachment": TextField.ATTACHMENT,
}
FIELDS = frozenset(TEXT_FIELDS) | {
    "tag",
    "folder",
    "is",
    "has",
    "before",
    "after",
    "larger",
    "smaller",
}
FLAGS: dict[str, Flag] = {flag.value: flag for flag in Flag}
HAS_VALUES = frozenset({"attachment", "attachments"})
MAX_SIZE = 2**63 - 1  # what an index's integer column holds

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's Cc: no index may see them
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def has_words(text: str) -> bool:
    return any(is_word_char(ch) for ch in text)


def text_term(raw: str, pos: int, field: TextField = TextField.ANY) -> Word | Phrase | None:
    """A bare term starting at `pos` in the input; None when it is only punctuation.
    Punctuation around the words is dropped ("hello," is hello)."""
    if "*" in raw:
        return _prefix(raw, pos, field)
    starts = [i for i, ch in enumerate(raw) if is_word_char(ch)]
    if not starts:
        return None
    core = raw[starts[0] : starts[-1] + 1]
    if len(starts) == len(core):
        return Word(core, field)
    return Phrase(core, field)


def _prefix(raw: str, pos: int, field: TextField) -> Word:
    """`info*`: one star, right after the last word character, MIN_PREFIX of them before."""
    word_at = [i for i, ch in enumerate(raw) if is_word_char(ch)]
    star_at = word_at[-1] + 1 if word_at else -1
    for i, ch in enumerate(raw):
        if ch == "*" and i != star_at:
            raise QuerySyntaxError("a star can only end a word, as in 'info*'", pos + i)
    stem = raw[word_at[0] : star_at]
    stem_pos = pos + word_at[0]
    if len(word_at) != len(stem):
        raise QuerySyntaxError(f"prefix '{stem}*' must be a single word", stem_pos)
    if sum(ch.isalnum() for ch in stem) < MIN_PREFIX:
        raise QuerySyntaxError(
            f"prefix '{stem}*' needs at least {MIN_PREFIX} characters before the star",
            stem_pos,
        )
    return Word(stem, field, prefix=True)


def collapse(text: str) -> str:
    """`text` on one line: control characters read as spaces, runs of spaces as one."""
    return " ".join(_CONTROL.sub(" ", text).split())


def phrase_term(body: str, field: TextField = TextField.ANY) -> Phrase | None:
    """A quoted phrase (spaces collapsed); None when it holds no word."""
    text = collapse(body)
    return Phrase(text, field) if has_words(text) else None


def field_term(name: str, value: str, pos: int, *, quoted: bool) -> Node:
    """`name:value`, `name` a lower-case member of FIELDS and `pos` where the value starts
    (its opening quote when quoted)."""
    if name in TEXT_FIELDS:
        field = TEXT_FIELDS[name]
        node = phrase_term(value, field) if quoted else text_term(value, pos, field)
        if node is None:
            raise QuerySyntaxError(f"'{name}:' needs a value", pos)
        return node
    text = collapse(value)
    if not text:
        raise QuerySyntaxError(f"'{name}:' needs a value", pos)
    match name:
        case "tag":
            return TagIs(text)
        case "folder":
            return InFolder(text)
        case "is":
            flag = FLAGS.get(text.lower())
            if flag is None:
                raise QuerySyntaxError(
                    f"unknown value '{text}' for 'is:' (use unread, read, flagged or unflagged)",
                    pos,
                )
            return Is(flag)
        case "has":
            if text.lower() not in HAS_VALUES:
                raise QuerySyntaxError(f"unknown value '{text}' for 'has:' (use attachment)", pos)
            return HasAttachment()
        case "before":
            return Before(parse_day(text, pos))
        case "after":
            return After(parse_day(text, pos))
        case "larger":
            return Larger(parse_size(text, pos))
        case "smaller":
            return Smaller(parse_size(text, pos))
    raise AssertionError(f"field {name!r} is in FIELDS but has no case")


def parse_day(text: str, pos: int = 0) -> date:
    """YYYY-MM-DD or YYYY/MM/DD."""
    m = _DATE.fullmatch(text)
    try:
        if m is None:
            raise ValueError(text)
        return date(int(m[1]), int(m[3]), int(m[4]))
    except ValueError:
        raise QuerySyntaxError(f"bad date '{text}' (use YYYY-MM-DD)", pos) from None


def parse_size(text: str, pos: int = 0) -> int:
    """Bytes, or K/M/G (powers of 1024) with an optional B: 500, 100K, 2M, 1.5GB."""
    m = _SIZE.fullmatch(text)
    unit = m[2].lower() if m else ""
    if m is None or ("." in m[1] and not unit) or (size := _bytes(m[1], unit)) > MAX_SIZE:
        raise QuerySyntaxError(f"bad size '{text}' (use 100K, 2M, 1G or bytes)", pos)
    return size


def _bytes(number: str, unit: str) -> int:
    return int(Decimal(number) * _UNITS[unit])
