"""The profile's vCard 4.0: structure, escaping, folding, and what stays private."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shared.mail.compose.vcard import VCARD_CONTENT_TYPE, vcard, vcard_filename
from shared.model import Phone, PostalAddress, Profile

FULL = Profile(
    full_name="Zoë D'Aubigné, PhD; the \\ great",
    first_name="Zoë",
    last_name="D'Aubigné",
    company="Acme; Inc, Ltd",
    department="R&D",
    job_title="Head of Everything, and a title long enough to need folding: é é é é é é é",
    emails=["zoe@home.example", "ZOE@example.net", "zoe@home.example"],
    phones=[
        Phone(kind="work", number="+33 1 23 45 67 89"),
        Phone(kind="home", number="01 98 76"),
        Phone(kind="mobile", number="+33 6 12 34 56 78"),
        Phone(kind="fax", number="+33 1 23 45 67 00"),
        Phone(kind="other", number="555, ext. 12"),
    ],
    addresses=[
        PostalAddress(
            kind="home", street="1 rue de la Paix\r\nBât. B", city="Paris", postcode="75001",
            country="France",
        ),
        PostalAddress(kind="work", street="", city="", region="", postcode="", country=""),
        PostalAddress(kind="other", city="Lyon"),
    ],
    website="example.org/zoe",
    birthday=date(1990, 4, 15),
    comments="PRIVATE-COMMENT met at the conference",
    tags=["PRIVATE-TAG", "vip"],
)  # fmt: skip


def unfold(data: bytes) -> list[str]:
    """Content lines: CRLF followed by one space or tab continues the previous line."""
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    return data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8").split("\r\n")[:-1]


def split_unescaped(value: str, separator: str) -> list[str]:
    return re.split(rf"(?<!\\){re.escape(separator)}", value)


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    """(name, parameters, raw value) for each content line."""
    found = []
    for line in unfold(data):
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        found.append((name, dict(p.split("=", 1) for p in params), value))
    return found


def values(data: bytes, name: str) -> list[tuple[dict[str, str], str]]:
    return [(params, value) for n, params, value in properties(data) if n == name]


def test_full_profile() -> None:
    card = vcard(FULL, "zoe@example.net")
    lines = unfold(card)
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert lines[-1] == "END:VCARD"
    [(_, fn)] = values(card, "FN")
    assert unescape(fn) == "Zoë D'Aubigné, PhD; the \\ great"
    assert fn == "Zoë D'Aubigné\\, PhD\\; the \\\\ great"
    [(_, n)] = values(card, "N")
    assert [unescape(c) for c in split_unescaped(n, ";")] == ["D'Aubigné", "Zoë", "", "", ""]
    [(_, org)] = values(card, "ORG")
    assert [unescape(c) for c in split_unescaped(org, ";")] == ["Acme; Inc, Ltd", "R&D"]
    [(_, title)] = values(card, "TITLE")
    assert unescape(title) == FULL.job_title
    assert values(card, "EMAIL") == [
        ({"PREF": "1"}, "zoe@example.net"),
        ({}, "zoe@home.example"),
    ]
    assert [(p["TYPE"], p["VALUE"], unescape(v)) for p, v in values(card, "TEL")] == [
        ("work,voice", "text", "+33 1 23 45 67 89"),
        ("home,voice", "text", "01 98 76"),
        ("cell", "text", "+33 6 12 34 56 78"),
        ("fax", "text", "+33 1 23 45 67 00"),
        ("voice", "text", "555, ext. 12"),
    ]
    addresses = values(card, "ADR")
    assert [p.get("TYPE") for p, _ in addresses] == ["home", None]  # the empty one is left out
    assert [unescape(c) for c in split_unescaped(addresses[0][1], ";")] == [
        "", "", "1 rue de la Paix\nBât. B", "Paris", "", "75001", "France",
    ]  # fmt: skip
    assert split_unescaped(addresses[1][1], ";")[3] == "Lyon"
    assert values(card, "URL") == [({}, "https://example.org/zoe")]
    assert values(card, "BDAY") == [({}, "19900415")]


def test_comments_and_tags_are_never_written() -> None:
    card = vcard(FULL, "zoe@example.net")
    assert b"PRIVATE" not in card
    assert b"vip" not in card
    assert {name for name, _, _ in properties(card)} <= {
        "BEGIN", "VERSION", "PRODID", "FN", "N", "ORG", "TITLE", "EMAIL", "TEL", "ADR", "URL",
        "BDAY", "END",
    }  # fmt: skip


def test_lines_are_folded_at_75_octets_without_splitting_utf8() -> None:
    profile = Profile(full_name="é" * 100 + "😀" * 30, job_title="x" * 250)
    card = vcard(profile, "a@example.org")
    physical = card.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(len(line) in (74, 75) for line in physical)
    for line in physical:
        line.decode("utf-8")  # every physical line is whole UTF-8
    assert values(card, "FN") == [({}, "é" * 100 + "😀" * 30)]
    assert values(card, "TITLE") == [({}, "x" * 250)]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile(full_name="  Zoë   Dupont "), "Zoë Dupont"),
        (Profile(first_name="Zoë", last_name="Dupont"), "Zoë Dupont"),
        (Profile(last_name="Dupont"), "Dupont"),
        (Profile(), "zoe@example.net"),
    ],
)
def test_formatted_name_falls_back(profile: Profile, expected: str) -> None:
    assert values(vcard(profile, "zoe@example.net"), "FN") == [({}, expected)]


def test_minimal_profile() -> None:
    card = vcard(Profile(), "zoe@example.net")
    assert card == (
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nPRODID:-//Bureau//Bureau//EN\r\n"
        b"FN:zoe@example.net\r\nEMAIL;PREF=1:zoe@example.net\r\nEND:VCARD\r\n"
    )
    assert VCARD_CONTENT_TYPE == "text/vcard"


def test_website_with_scheme_is_kept() -> None:
    card = vcard(Profile(website=" https://example.org/a,b;c "), "a@example.org")
    assert values(card, "URL") == [({}, "https://example.org/a,b;c")]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile(full_name="Zoë Dupont"), "Zoë Dupont.vcf"),
        (Profile(full_name='a/b\\c:d*e?f"g<h>i|j'), "a_b_c_d_e_f_g_h_i_j.vcf"),
        (Profile(full_name="..\u202eevil\x00.exe"), "evil.exe.vcf"),
        (Profile(full_name="x" * 250), "x" * 100 + ".vcf"),
        (Profile(), "zoe@example.net.vcf"),
        (Profile(full_name="..."), "contact.vcf"),
    ],
)
def test_vcard_filename(profile: Profile, expected: str) -> None:
    assert vcard_filename(profile, "zoe@example.net") == expected
