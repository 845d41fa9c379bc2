"""IMAP flags (RFC 3501 §2.3.2) and Bureau's message state.

System flags map to the store's booleans: `\\Seen` is "not unread", `\\Flagged`,
`\\Deleted`, `\\Answered`, `\\Draft`; `\\Recent` is never set (RFC 9051 drops it). Keywords
are the account's tags: a tag is shown by its name when that is an atom, else with each
character an atom cannot hold replaced by `_`; a keyword that names no tag creates one,
while the account may have more tags (`TagLimits`): PERMANENTFLAGS announces `\\*` only
then (RFC 9051 §7.1).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from typing import NamedTuple

from shared.model import FlagChange, Tag, UidEntry
from shared.ports.tags import Tags

SEEN, FLAGGED, DELETED, ANSWERED, DRAFT, RECENT = (
    "\\Seen",
    "\\Flagged",
    "\\Deleted",
    "\\Answered",
    "\\Draft",
    "\\Recent",
)
SYSTEM_FLAGS = (ANSWERED, FLAGGED, DELETED, SEEN, DRAFT)
_BY_UPPER = {flag.upper(): flag for flag in (*SYSTEM_FLAGS, RECENT)}

# ATOM-CHAR but "]" (a flag-keyword is an atom, RFC 3501 §9).
_NOT_ATOM_CHAR = re.compile(r"[^!#$&\'+-Z^-z|~\[}]")


_NO_KEYWORDS: frozenset[str] = frozenset()


class MessageFlags(NamedTuple):
    """What a session knows of one message's flags: the system flags and the keywords (a
    tuple: tens of thousands are made at SELECT)."""

    seen: bool = False
    flagged: bool = False
    deleted: bool = False
    answered: bool = False
    draft: bool = False
    keywords: frozenset[str] = frozenset()  # tag names

    @classmethod
    def of(
        cls,
        *,
        unread: bool,
        flagged: bool,
        deleted: bool,
        answered: bool,
        draft: bool,
        tags: Collection[str],
    ) -> MessageFlags:
        keywords = frozenset(tags) if tags else _NO_KEYWORDS
        return cls(not unread, flagged, deleted, answered, draft, keywords)

    @classmethod
    def of_entry(cls, entry: UidEntry) -> MessageFlags:
        return cls.of(
            unread=entry.unread,
            flagged=entry.flagged,
            deleted=entry.deleted,
            answered=entry.answered,
            draft=entry.draft,
            tags=entry.tags,
        )

    def system(self) -> set[str]:
        present = zip(
            (ANSWERED, FLAGGED, DELETED, SEEN, DRAFT),
            (self.answered, self.flagged, self.deleted, self.seen, self.draft),
            strict=True,
        )
        return {flag for flag, on in present if on}

    def names(self) -> list[str]:
        """The flags as FETCH FLAGS lists them."""
        return list(_names(self))

    def with_system(self, flags: set[str], mode: str) -> MessageFlags:
        """These flags after STORE FLAGS (`mode` "="), +FLAGS ("+") or -FLAGS ("-") of the
        system flags in `flags`."""
        current = self.system()
        if mode == "=":
            result = set(flags)
        elif mode == "+":
            result = current | flags
        else:
            result = current - flags
        return MessageFlags(
            seen=SEEN in result,
            flagged=FLAGGED in result,
            deleted=DELETED in result,
            answered=ANSWERED in result,
            draft=DRAFT in result,
            keywords=self.keywords,
        )

    def with_keywords(self, names: set[str], mode: str) -> MessageFlags:
        if mode == "=":
            keywords = frozenset(names)
        elif mode == "+":
            keywords = self.keywords | names
        else:
            keywords = self.keywords - names
        return MessageFlags(
            self.seen, self.flagged, self.deleted, self.answered, self.draft, keywords
        )


@functools.lru_cache(maxsize=1024)
def _names(flags: MessageFlags) -> tuple[str, ...]:
    system = flags.system()
    keywords = sorted(keyword_of(t) for t in flags.keywords)
    return (*(f for f in SYSTEM_FLAGS if f in system), *keywords)


def system_change(flags: set[str], mode: str) -> FlagChange:
    """The store change STORE makes to the system flags: FLAGS sets all five."""
    wanted = {flag: (flag in flags if mode == "=" else mode == "+") for flag in SYSTEM_FLAGS}
    if mode != "=":
        wanted = {flag: on for flag, on in wanted.items() if flag in flags}
    return FlagChange(
        unread=None if SEEN not in wanted else not wanted[SEEN],
        flagged=wanted.get(FLAGGED),
        deleted=wanted.get(DELETED),
        answered=wanted.get(ANSWERED),
        draft=wanted.get(DRAFT),
    )


def keyword_of(tag_name: str) -> str:
    """A tag's name as an IMAP keyword."""
    keyword = _NOT_ATOM_CHAR.sub("_", tag_name)
    return "_" + keyword[1:] if keyword.startswith("\\") else keyword


def split_flags(names: Iterable[str]) -> tuple[set[str], set[str]]:
    """System flags (canonical case; `\\Recent` dropped) and keywords. Raises ValueError
    for an unknown `\\` flag."""
    system: set[str] = set()
    keywords: set[str] = set()
    for name in names:
        if name.startswith("\\"):
            flag = _BY_UPPER.get(name.upper())
            if flag is None:
                raise ValueError(f"unknown flag {name}")
            if flag != RECENT:
                system.add(flag)
        elif not name or _NOT_ATOM_CHAR.search(name):
            raise ValueError(f"invalid keyword {name!r}")
        else:
            keywords.add(name)
    return system, keywords


class Keywords:
    """The account's tags by keyword (case-insensitive), read once and again after a
    change that made tags."""

    def __init__(self, mailbox: Tags, account_id: str) -> None:
        self._mailbox = mailbox
        self._account_id = account_id
        self._tags: dict[str, Tag] | None = None
        self._count = 0

    async def all(self) -> list[str]:
        """Every keyword of the account, for FLAGS and PERMANENTFLAGS."""
        return sorted({keyword_of(t.name) for t in (await self._load()).values()})

    async def room(self) -> int:
        """How many more tags the account may have."""
        await self._load()
        return max(0, self._mailbox.tag_limits.per_account - self._count)

    async def may_create(self) -> bool:
        """Whether a new keyword can still make a tag (PERMANENTFLAGS `\\*`)."""
        return await self.room() > 0

    async def permanent(self) -> str:
        """The PERMANENTFLAGS list of a read-write mailbox, with the FLAGS list."""
        names = " ".join([*SYSTEM_FLAGS, *await self.all()])
        return f"{names} \\*" if await self.may_create() else names

    async def _load(self) -> dict[str, Tag]:
        if self._tags is None:
            tags = await self._mailbox.tags(self._account_id)
            self._count = len(tags)
            self._tags = {}
            for tag in tags:
                self._tags.setdefault(keyword_of(tag.name).lower(), tag)
        return self._tags

    def forget(self) -> None:
        self._tags = None

    async def tag(self, keyword: str) -> Tag | None:
        """The tag a keyword names, if there is one."""
        return (await self._load()).get(keyword.lower())

    async def names(self, keywords: Iterable[str]) -> tuple[list[str], int]:
        """The tag names keywords stand for (a keyword without a tag stands for the tag it
        would make), and how many have no tag yet."""
        names: list[str] = []
        new = 0
        for keyword in sorted(keywords):
            tag = await self.tag(keyword)
            names.append(keyword if tag is None else tag.name)
            new += tag is None
        return names, new
