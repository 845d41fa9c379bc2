"""Sequence sets (RFC 3501 §9 `sequence-set`, RFC 9051): message sequence numbers or UIDs
as `2,4:7,9`, `1:*`, `*`, and `$`, the result saved by the last SEARCH (RFC 5182).

`*` stands for the largest number in use: the number of messages for sequence numbers,
the largest UID for UIDs. A range's ends may come in either order (`5:1` is `1:5`), so
`n:*` with n past the largest number still holds the largest one (RFC 3501 §6.4.8).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from services.gateway.imap.tokens import ImapSyntaxError

MAX_NUMBER = 4294967295  # nz-number and uniqueid are 32-bit (RFC 3501 §9)

_NUMBER = re.compile(r"[1-9][0-9]{0,9}")

Bound = int | None  # None is "*"


@dataclass(frozen=True, slots=True)
class SequenceSet:
    """A parsed sequence set: its ranges as written (`None` for `*`; a lone number is a
    range of one), or `saved` for `$`, which the session replaces by the saved result."""

    ranges: tuple[tuple[Bound, Bound], ...]
    saved: bool = False
    # The ranges without "*", sorted and merged, for a binary search.
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _starred: tuple[tuple[Bound, Bound], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fixed: list[tuple[int, int]] = []
        starred: list[tuple[Bound, Bound]] = []
        for low, high in self.ranges:
            if low is None or high is None:
                starred.append((low, high))
            else:
                fixed.append((min(low, high), max(low, high)))
        merged = _merge(fixed)
        object.__setattr__(self, "_starts", tuple(low for low, _ in merged))
        object.__setattr__(self, "_ends", tuple(high for _, high in merged))
        object.__setattr__(self, "_starred", tuple(starred))

    @classmethod
    def of(cls, numbers: Iterable[int]) -> SequenceSet:
        """The set of these numbers, runs as ranges (to save a SEARCH result, RFC 5182)."""
        return cls(tuple(_runs(sorted(set(numbers)))))

    def contains(self, number: int, largest: int) -> bool:
        """Whether the set holds `number`, `*` being `largest`."""
        self._check_resolved()
        i = bisect.bisect_right(self._starts, number) - 1
        if i >= 0 and number <= self._ends[i]:
            return True
        for low, high in self._starred:
            first, last = _resolve(low, high, largest)
            if first <= number <= last:
                return True
        return False

    def intervals(self, largest: int) -> list[tuple[int, int]]:
        """The set as ascending, disjoint, non-adjacent ranges within 1..`largest`
        (numbers past `largest` name nothing: no such message or UID)."""
        self._check_resolved()
        spans = list(zip(self._starts, self._ends, strict=True))
        spans += [_resolve(low, high, largest) for low, high in self._starred]
        clamped = [(max(low, 1), min(high, largest)) for low, high in spans]
        return _merge([(low, high) for low, high in clamped if low <= high])

    def values(self, largest: int) -> Iterator[int]:
        """The numbers of the set within 1..`largest`, ascending, each once."""
        for low, high in self.intervals(largest):
            yield from range(low, high + 1)

    def highest(self, largest: int) -> int:
        """The largest number the set names, `*` being `largest` (0 for `$`): what a session
        compares to the number of messages to refuse an invalid sequence number."""
        if self.saved:
            return 0
        ends = [high for low, high in (_resolve(lo, hi, largest) for lo, hi in self.ranges)]
        return max(ends, default=0)

    def __str__(self) -> str:
        if self.saved:
            return "$"
        return ",".join(_range_text(low, high) for low, high in self.ranges)

    def _check_resolved(self) -> None:
        if self.saved:
            raise ValueError("the saved search result ($) must be resolved first")


def parse_sequence_set(text: str) -> SequenceSet:
    """`2,4:7,9`, `1:*`, `*`, `5:1`… or `$` (`SAVED`). Raises `ImapSyntaxError`."""
    if text == "$":
        return SAVED
    ranges: list[tuple[Bound, Bound]] = []
    for item in text.split(","):
        low, colon, high = item.partition(":")
        first = _bound(low, text)
        ranges.append((first, _bound(high, text) if colon else first))
    return SequenceSet(tuple(ranges))


def format_uids(uids: Iterable[int]) -> str:
    """UIDs in the order given, each run of consecutive ascending ones as a range:
    `[3, 4, 5, 9]` → `3:5,9` (UIDPLUS APPENDUID and COPYUID, where the source and the
    destination sets must list the messages in the same order)."""
    return ",".join(_range_text(low, high) for low, high in _runs(uids))


def _bound(text: str, whole: str) -> Bound:
    if text == "*":
        return None
    if not _NUMBER.fullmatch(text) or int(text) > MAX_NUMBER:
        raise ImapSyntaxError(f"invalid sequence set: {whole!r}")
    return int(text)


def _resolve(low: Bound, high: Bound, largest: int) -> tuple[int, int]:
    first = largest if low is None else low
    last = largest if high is None else high
    return (first, last) if first <= last else (last, first)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def _runs(numbers: Iterable[int]) -> list[tuple[Bound, Bound]]:
    runs: list[tuple[Bound, Bound]] = []
    low = high = 0
    for number in numbers:
        if runs and number == high + 1:
            high = number
            runs[-1] = (low, high)
        else:
            low = high = number
            runs.append((low, high))
    return runs


def _range_text(low: Bound, high: Bound) -> str:
    if low == high:
        return "*" if low is None else str(low)
    if low is None or (high is not None and high < low):
        low, high = high, low  # "*:5" is "5:*", "9:3" is "3:9"
    return f"{low}:{'*' if high is None else high}"


SAVED = SequenceSet((), saved=True)  # "$": the session substitutes its saved result
