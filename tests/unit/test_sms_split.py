"""Splitting texts into SMS parts: GSM 7-bit (160/153) and UCS-2 (70/67)."""

from __future__ import annotations

import pytest

from shared.mail.sms import MAX_PARTS, SmsTooLong, is_gsm7, parts_needed, split_sms


def _septets(part: str) -> int:
    return sum(2 if c in "\f^{}\\[~]|€" else 1 for c in part)


def _utf16(part: str) -> int:
    return len(part.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 80 + "a", 2),
        ("é" * 160, 1),  # é is in the GSM alphabet
        ("ê" * 70, 1),  # ê is not: UCS-2
        ("ê" * 71, 2),
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("a" * 159 + "ê", 3),  # one non-GSM character makes the whole text UCS-2
        ("😀" * 35, 1),  # 70 UTF-16 code units
        ("😀" * 36, 2),
    ],
)
def test_parts_needed(text: str, parts: int) -> None:
    assert parts_needed(text) == parts
    assert len(split_sms(text)) == parts
    assert "".join(split_sms(text)) == text


def test_gsm_parts_are_full_and_escapes_stay_whole() -> None:
    text = "a" * 152 + "€" + "b" * 200  # the € (2 septets) would straddle 153
    parts = split_sms(text)
    assert parts[0] == "a" * 152
    assert parts[1].startswith("€")
    assert all(_septets(p) <= 153 for p in parts)
    assert "".join(parts) == text


def test_gsm_parts_fill_153_septets() -> None:
    parts = split_sms("x" * 400)
    assert [len(p) for p in parts] == [153, 153, 94]


def test_ucs2_never_splits_a_surrogate_pair() -> None:
    text = "ж" * 66 + "😀" * 10  # the emoji would take units 67 and 68
    parts = split_sms(text)
    assert parts[0] == "ж" * 66
    assert parts[1].startswith("😀")
    assert all(_utf16(p) <= 67 for p in parts)
    for p in parts:  # every part encodes on its own: no lone surrogate
        p.encode("utf-16-le")
    assert "".join(parts) == text


def test_ucs2_parts_fill_67_units() -> None:
    parts = split_sms("中" * 200)
    assert [len(p) for p in parts] == [67, 67, 66]


def test_alphabet() -> None:
    assert is_gsm7("Hello @ £5, {ok} [€] ~^|\\ \n\r ÄÖÑÜäöñüà ΔΦΓΛΩΠΨΣΘΞ")
    assert not is_gsm7("ç")  # only the capital Ç is in the alphabet
    assert not is_gsm7("`")
    assert not is_gsm7("\t")


def test_too_many_parts() -> None:
    assert parts_needed("a" * 153 * MAX_PARTS) == MAX_PARTS
    assert len(split_sms("a" * 153 * MAX_PARTS)) == MAX_PARTS
    with pytest.raises(SmsTooLong):
        split_sms("a" * (153 * MAX_PARTS + 1))
    assert parts_needed("a" * (153 * MAX_PARTS + 1)) == MAX_PARTS + 1
