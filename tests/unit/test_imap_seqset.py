"""IMAP sequence sets: parsing, membership with `*`, values, canonical text, UID runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.gateway.imap.seqset import (
    SAVED,
    SequenceSet,
    format_uids,
    parse_sequence_set,
)
from services.gateway.imap.tokens import ImapSyntaxError
from tests.scaling import LINEAR_BOUND, growth


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("1", ((1, 1),)),
        ("1:5", ((1, 5),)),
        ("5:1", ((5, 1),)),
        ("*", ((None, None),)),
        ("1:*", ((1, None),)),
        ("*:4", ((None, 4),)),
        ("2,4:7,9", ((2, 2), (4, 7), (9, 9))),
        ("4294967295", ((4294967295, 4294967295),)),
    ],
)
def test_parse(text: str, ranges: tuple[tuple[int | None, int | None], ...]) -> None:
    parsed = parse_sequence_set(text)
    assert parsed.ranges == ranges
    assert not parsed.saved


def test_dollar_is_the_saved_result() -> None:
    parsed = parse_sequence_set("$")
    assert parsed is SAVED
    assert parsed.saved
    assert str(parsed) == "$"
    with pytest.raises(ValueError):
        parsed.contains(1, 10)


@pytest.mark.parametrize(
    "bad",
    ["", "0", "01", "1:", ":1", "1,,2", ",1", "1,", "a", "1:0", "1-5", "4294967296", " 1", "$,1"],
)
def test_parse_refuses(bad: str) -> None:
    with pytest.raises(ImapSyntaxError):
        parse_sequence_set(bad)


def test_contains_with_star_as_the_largest_number() -> None:
    seq = parse_sequence_set("2,4:7,9,12:*")
    members = [n for n in range(1, 16) if seq.contains(n, 14)]
    assert members == [2, 4, 5, 6, 7, 9, 12, 13, 14]
    assert parse_sequence_set("*").contains(14, 14)
    assert not parse_sequence_set("*").contains(13, 14)
    assert parse_sequence_set("5:1").contains(3, 10)


def test_n_to_star_past_the_largest_still_holds_the_largest() -> None:
    # RFC 3501 §6.4.8: "559:*" always includes the UID of the last message.
    seq = parse_sequence_set("559:*")
    assert seq.contains(500, 500)
    assert not seq.contains(499, 500)
    assert list(seq.values(500)) == [500]


def test_star_in_an_empty_mailbox_names_nothing() -> None:
    assert list(parse_sequence_set("1:*").values(0)) == []
    assert list(parse_sequence_set("*").values(0)) == []
    assert not parse_sequence_set("*").contains(1, 0)


def test_values_ascending_without_duplicates_within_the_largest() -> None:
    assert list(parse_sequence_set("5:3,1,4,*,2:3").values(6)) == [1, 2, 3, 4, 5, 6]
    assert list(parse_sequence_set("9,3:12").values(8)) == [3, 4, 5, 6, 7, 8]
    assert parse_sequence_set("1:3,4:6,10").intervals(20) == [(1, 6), (10, 10)]


def test_values_of_a_large_range_cost_what_they_hold() -> None:
    assert list(parse_sequence_set("1:*").values(100_000)) == list(range(1, 100_001))
    seq = parse_sequence_set(",".join(str(n) for n in range(1, 20_000, 2)))
    assert sum(seq.contains(n, 20_000) for n in range(1, 20_001)) == 10_000

    def work(n: int) -> Callable[[], object]:
        whole = parse_sequence_set("1:*")
        odd = parse_sequence_set(",".join(str(k) for k in range(1, n, 2)))
        return lambda: (list(whole.values(n * 5)), sum(odd.contains(k, n) for k in range(1, n)))

    assert growth(work, 5_000) < LINEAR_BOUND


def test_highest() -> None:
    assert parse_sequence_set("2,4:7").highest(3) == 7
    assert parse_sequence_set("1:*").highest(3) == 3
    assert parse_sequence_set("9:*").highest(3) == 9
    assert SAVED.highest(3) == 0


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1", "1"),
        ("3:3", "3"),
        ("5:1", "1:5"),
        ("*:4", "4:*"),
        ("1:*", "1:*"),
        ("*", "*"),
        ("2,4:7,9", "2,4:7,9"),
    ],
)
def test_str_is_canonical(text: str, canonical: str) -> None:
    assert str(parse_sequence_set(text)) == canonical


def test_of_numbers() -> None:
    seq = SequenceSet.of([9, 3, 4, 5, 4])
    assert str(seq) == "3:5,9"
    assert list(seq.values(10)) == [3, 4, 5, 9]
    assert str(SequenceSet.of([])) == ""


def test_format_uids_compresses_runs_in_the_order_given() -> None:
    assert format_uids([3, 4, 5, 9]) == "3:5,9"
    assert format_uids([1]) == "1"
    assert format_uids([]) == ""
    assert format_uids([7, 8, 1, 2, 3]) == "7:8,1:3"  # COPYUID pairs sets by position
    assert format_uids(range(100, 201)) == "100:200"


def test_equality_ignores_derived_fields() -> None:
    assert parse_sequence_set("1:5") == SequenceSet(((1, 5),))
    assert parse_sequence_set("1:5") != parse_sequence_set("5:1")
    assert hash(parse_sequence_set("2,3")) == hash(parse_sequence_set("2,3"))
