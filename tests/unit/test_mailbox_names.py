"""The one rule of folder and tag names, and the arithmetic of tag changes and their
bounds (`shared.model`), which both mailbox adapters and the API use."""

from __future__ import annotations

import re

import pytest

from shared.model import (
    InvalidName,
    NameTooLong,
    TagChange,
    TagLimits,
    folder_name,
    tag_name,
)


@pytest.mark.parametrize(
    ("name", "kept"),
    [("Work", "Work"), ("  Café \u00a0 ✓ ", "Café ✓"), ("Ünïcödé 日本 😀", "Ünïcödé 日本 😀")],
)
def test_names_kept(name: str, kept: str) -> None:
    assert folder_name(name) == kept and tag_name(name) == kept


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("a\x00b", "control character U+0000"),
        ("a\tb", "control character U+0009"),
        ("a\x1bb", "control character U+001B"),
        ("a\x7fb", "control character U+007F"),
        ("a\x9bb", "control character U+009B"),
        ("a\u061cb", "bidirectional control character U+061C"),
        ("a\u200eb", "bidirectional control character U+200E"),
        ("a\u200fb", "bidirectional control character U+200F"),
        *((f"a{chr(c)}b", f"U+{c:04X}") for c in range(0x202A, 0x202F)),
        *((f"a{chr(c)}b", f"U+{c:04X}") for c in range(0x2066, 0x206A)),
        ("a\ud800b", "control character U+D800"),
        ("   ", "needs a name"),
        ("", "needs a name"),
    ],
)
def test_names_refused(name: str, says: str) -> None:
    for rule in (folder_name, tag_name):
        with pytest.raises(InvalidName, match=re.escape(says)):
            rule(name)


def test_lengths_and_the_hierarchy_delimiter() -> None:
    assert tag_name("x" * 64) == "x" * 64 and folder_name("x" * 255) == "x" * 255
    with pytest.raises(NameTooLong):
        tag_name("x" * 65)
    with pytest.raises(NameTooLong):
        folder_name("x" * 256)
    assert tag_name("a/b") == "a/b"
    with pytest.raises(InvalidName, match="'/'"):
        folder_name("a/b")


def test_tag_changes_keep_the_order_tags_were_put_on() -> None:
    assert TagChange(add=["c", "a", "c"]).apply(["a", "b"]) == ["a", "b", "c"]
    assert TagChange(remove=["a", "x"]).apply(["a", "b"]) == ["b"]
    assert TagChange(replace=["c", "b"]).apply(["a", "b"]) == ["b", "c"]
    assert TagChange(replace=[]).apply(["a"]) == []
    assert TagChange(add=["a"], remove=["a"]).apply(["a", "b"]) == ["b", "a"]


def test_bounds() -> None:
    limits = TagLimits(per_message=3, per_account=10, per_change=6)
    assert limits.too_large(2, TagChange(add=["a", "b", "c"])) is None
    assert "at most 3" in (limits.too_large(1, TagChange(add=list("abcd"))) or "")
    assert "7 changes" in (limits.too_large(7, TagChange(remove=["a"])) or "")
    assert limits.too_large(100, TagChange()) is None  # system flags only: no tag named
    assert limits.too_many(["a", "b"], ["a", "b", "c"]) is None
    assert limits.too_many(["a", "b", "c"], list("abcd")) is not None
    assert limits.too_many(list("abcde"), list("abcd")) is None  # past it, it may shrink
    assert limits.too_many(list("abcde"), list("abcdf")) is None  # and stay as large
