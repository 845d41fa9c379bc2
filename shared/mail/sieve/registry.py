"""The registry behind Sieve conversion: one module per Sieve test or action, holding both
directions (after `shared/mail/filtering/rules/`).

A module registers a *reader* under the Sieve names it reads (a test such as `header`, a
command such as `fileinto`) and a *writer* under the Bureau kinds it writes (a condition
field, or a field with one operator; an action kind). The import and export drivers only
consult the registry. Several readers may share a name: they are tried in registration
order and a reader returns None for a form that is not its own. One writer per kind: a
second is refused, and a kind Sieve cannot carry is declared `not_expressible` with the
reason, so that every kind of `shared/filters.py` is accounted for (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared.filters import ActionKind, FieldName, Operator

# A condition kind: its field, or (field, operator) where an operator has its own form.
ConditionKey = FieldName | tuple[FieldName, Operator]
Key = ConditionKey | ActionKind

R = TypeVar("R")
W = TypeVar("W")


class DuplicateWriter(ValueError):
    """A second writer (or a not-expressible entry) for a kind that already has one."""


class NotExpressible(LookupError):
    """A Bureau kind with no Sieve form; `reason` says why, for the export's notes."""

    def __init__(self, kind: Key, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class WriteContext:
    """What a writer may need and add to, for one export."""

    folder_names: dict[str, str]  # folder id -> full path ("Lists/Dev")
    extensions: set[str] = field(default_factory=set)  # for the script's `require`
    notes: list[str] = field(default_factory=list)  # what other servers will not run
    rule: str = ""  # the filter being written
    kept: bool = True  # no action of the filter cancels Sieve's implicit keep


class Registry(Generic[R, W]):
    """Sieve name -> its readers (in order); Bureau kind -> its one writer."""

    def __init__(self) -> None:
        self._readers: dict[str, list[R]] = {}
        self._nesting: set[str] = set()
        self._writers: dict[Key, W] = {}
        self._inexpressible: dict[Key, str] = {}

    def reader(self, *names: str, nests: bool = False) -> Callable[[R], R]:
        """Decorator: `read` reads the Sieve tests or commands `names`; `nests` when
        it checks their nested tests itself (allof, anyof, not; else the driver refuses
        any)."""

        def add(read: R) -> R:
            for name in names:
                self._readers.setdefault(name, []).append(read)
                if nests:
                    self._nesting.add(name)
            return read

        return add

    def writer(self, *kinds: Key) -> Callable[[W], W]:
        """Decorator: `write` writes the Bureau kinds `kinds` as Sieve."""

        def add(write: W) -> W:
            for kind in kinds:
                self._claim(kind)
                self._writers[kind] = write
            return write

        return add

    def not_expressible(self, kind: Key, reason: str) -> None:
        """`kind` has no Sieve form: the export leaves it out, noting `reason`."""
        self._claim(kind)
        self._inexpressible[kind] = reason

    def _claim(self, kind: Key) -> None:
        if kind in self._writers or kind in self._inexpressible:
            raise DuplicateWriter(f"{kind!r} already has a Sieve writer")

    def readers_for(self, name: str) -> list[R]:
        return self._readers.get(name, [])

    def nests(self, name: str) -> bool:
        return name in self._nesting

    def writer_for(self, kind: Key) -> W:
        """Raises NotExpressible, or LookupError for a kind nothing accounts for."""
        if kind in self._inexpressible:
            raise NotExpressible(kind, self._inexpressible[kind])
        try:
            return self._writers[kind]
        except KeyError:
            raise LookupError(f"no Sieve writer for {kind!r}") from None

    def read_names(self) -> frozenset[str]:
        return frozenset(self._readers)

    def written(self) -> frozenset[Key]:
        """Every kind accounted for: written, or declared not expressible."""
        return frozenset(self._writers) | frozenset(self._inexpressible)

    def copy(self, without: Iterable[Key] = ()) -> Registry[R, W]:
        """A registry with the same entries, less the writers of `without`."""
        left_out = set(without)
        other: Registry[R, W] = Registry()
        other._readers = {name: list(readers) for name, readers in self._readers.items()}
        other._nesting = set(self._nesting)
        other._writers = {k: w for k, w in self._writers.items() if k not in left_out}
        other._inexpressible = {k: r for k, r in self._inexpressible.items() if k not in left_out}
        return other
