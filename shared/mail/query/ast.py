"""The query tree. Immutable; adapters compile it (FTS5 MATCH + SQL, OpenSearch DSL).

Semantics every adapter keeps:
- text is matched case- and accent-insensitively (é matches e);
- `Word(prefix=True)` matches words starting with `text` (at least MIN_PREFIX characters);
- `Phrase` matches the words in this order, next to each other;
- `TextField.ANY` searches subject, sender, recipients, body and attachment names and text;
- `Before(day)`: message date before that day (UTC); `After(day)`: on or after it;
- `Larger(n)` / `Smaller(n)`: size in bytes strictly above / below n;
- `InFolder` carries the ids its name resolved to (the caller resolves names; none = no hit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_RESULTS = 200  # F31: at most 200 results
MIN_PREFIX = 4  # F30: `info*` needs at least 4 characters before the star
# How deep groups and exclusions nest: And, Or and Not levels of the tree, and the
# parentheses and dashes of a query line. Deeper input is a syntax error, so neither the
# parser, the compilers nor the indexes' own query parsers (FTS5's, OpenSearch's bool
# nesting) meet more than they can take.
MAX_DEPTH = 12


class TextField(StrEnum):
    ANY = "any"
    FROM = "from"
    TO = "to"
    CC = "cc"
    SUBJECT = "subject"
    BODY = "body"
    ATTACHMENT = "attachment"  # file names (and text) of attachments


class Flag(StrEnum):
    UNREAD = "unread"
    READ = "read"
    FLAGGED = "flagged"
    UNFLAGGED = "unflagged"


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    field: TextField = TextField.ANY
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    field: TextField = TextField.ANY


@dataclass(frozen=True, slots=True)
class TagIs:
    name: str


@dataclass(frozen=True, slots=True)
class InFolder:
    name: str
    folder_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Is:
    flag: Flag


@dataclass(frozen=True, slots=True)
class HasAttachment:
    pass


@dataclass(frozen=True, slots=True)
class Before:
    day: date


@dataclass(frozen=True, slots=True)
class After:
    day: date


@dataclass(frozen=True, slots=True)
class Larger:
    size: int


@dataclass(frozen=True, slots=True)
class Smaller:
    size: int


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = (
    Word
    | Phrase
    | TagIs
    | InFolder
    | Is
    | HasAttachment
    | Before
    | After
    | Larger
    | Smaller
    | And
    | Or
    | Not
)
