"""The advanced-search form (FEATURES F29): JSON in, the same query tree out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from shared.mail.query import (
    AdvancedQuery,
    After,
    And,
    Before,
    Flag,
    HasAttachment,
    InFolder,
    Is,
    Larger,
    Node,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Smaller,
    TagIs,
    TextField,
    Word,
    parse,
)

F = TextField

ONE_CRITERION: list[tuple[dict[str, Any], Node]] = [
    ({"words": "budget"}, Word("budget")),
    ({"words": "budget OR forecast"}, Or((Word("budget"), Word("forecast")))),
    ({"from": "bob"}, Phrase("bob", F.FROM)),
    ({"from": "bob@example.net"}, Phrase("bob@example.net", F.FROM)),
    ({"to": "Alice  Martin"}, Phrase("Alice Martin", F.TO)),
    ({"cc": "carol"}, Phrase("carol", F.CC)),
    ({"subject": "budget review"}, Phrase("budget review", F.SUBJECT)),
    ({"body": "see attached"}, Phrase("see attached", F.BODY)),
    ({"attachment": "report.pdf"}, Phrase("report.pdf", F.ATTACHMENT)),
    ({"subject": "info*"}, Phrase("info*", F.SUBJECT)),  # a phrase: no prefix syntax
    ({"tag": "urgent"}, TagIs("urgent")),
    ({"tag": " two  words "}, TagIs("two words")),
    ({"folder": "Work/Clients"}, InFolder("Work/Clients")),
    ({"folder_id": "f-42"}, InFolder("", ("f-42",))),
    ({"unread": True}, Is(Flag.UNREAD)),
    ({"unread": False}, Is(Flag.READ)),
    ({"flagged": True}, Is(Flag.FLAGGED)),
    ({"flagged": False}, Is(Flag.UNFLAGGED)),
    ({"has_attachment": True}, HasAttachment()),
    ({"before": "2026-01-31"}, Before(date(2026, 1, 31))),
    ({"after": "2026-01-01"}, After(date(2026, 1, 1))),
    ({"larger": 1024}, Larger(1024)),
    ({"smaller": 0}, Smaller(0)),
]


@pytest.mark.parametrize(("form", "tree"), ONE_CRITERION, ids=[str(f) for f, _ in ONE_CRITERION])
def test_one_criterion(form: dict[str, Any], tree: Node) -> None:
    assert AdvancedQuery.model_validate(form).to_query() == tree


def test_criteria_are_all_required_in_form_order_and_words_are_flattened() -> None:
    form = AdvancedQuery.model_validate(
        {
            "words": "budget -draft",
            "from": "bob",
            "tag": "urgent",
            "folder_id": "f1",
            "unread": True,
            "has_attachment": False,
            "after": "2026-01-01",
            "larger": 2048,
            "exclude": "spam offer*",
        }
    )
    assert form.to_query() == And(
        (
            Word("budget"),
            Not(Word("draft")),
            Phrase("bob", F.FROM),
            TagIs("urgent"),
            InFolder("", ("f1",)),
            Is(Flag.UNREAD),
            Not(HasAttachment()),
            After(date(2026, 1, 1)),
            Larger(2048),
            Not(Word("spam")),
            Not(Word("offer", prefix=True)),
        )
    )


def test_exclude_takes_the_language_and_excludes_each_part() -> None:
    form = AdvancedQuery(words="report", exclude='"free money" (a OR b)')
    assert form.to_query() == And(
        (Word("report"), Not(Phrase("free money")), Not(Or((Word("a"), Word("b")))))
    )


def test_from_is_accepted_by_alias_and_by_name() -> None:
    by_alias = AdvancedQuery.model_validate({"from": "bob"})
    by_name = AdvancedQuery.model_validate({"from_": "bob"})
    assert by_alias == by_name and by_alias.from_ == "bob"


def test_blank_and_punctuation_only_strings_count_as_not_given() -> None:
    form = AdvancedQuery.model_validate(
        {"words": "  ", "from": "", "subject": "!!", "tag": " ", "folder": "", "unread": True}
    )
    assert form.to_query() == Is(Flag.UNREAD)


@pytest.mark.parametrize(
    "form",
    [{}, {"words": ""}, {"from": " ", "exclude": ""}, {"subject": "?!"}],
)
def test_nothing_given_is_an_empty_query(form: dict[str, Any]) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        AdvancedQuery.model_validate(form).to_query()
    assert caught.value.message == "empty query"


@pytest.mark.parametrize(
    "form", [{"exclude": "spam"}, {"has_attachment": False}, {"words": "a OR -b"}]
)
def test_only_exclusions_have_nothing_to_match(form: dict[str, Any]) -> None:
    with pytest.raises(QuerySyntaxError, match="nothing to match"):
        AdvancedQuery.model_validate(form).to_query()


@pytest.mark.parametrize(
    ("form", "field", "message", "position"),
    [
        ({"words": 'budget "draft'}, "words", "unclosed quote", 7),
        (
            {"words": "inf*"},
            "words",
            "prefix 'inf*' needs at least 4 characters before the star",
            0,
        ),
        ({"tag": "x", "exclude": "a)"}, "exclude", "unbalanced parenthesis", 1),
    ],
)
def test_text_errors_name_the_form_field(
    form: dict[str, Any], field: str, message: str, position: int
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        AdvancedQuery.model_validate(form).to_query()
    err = caught.value
    assert (err.field, err.message, err.position) == (field, message, position)
    assert str(err).startswith(f"{field}: {message}")


@pytest.mark.parametrize(
    "form",
    [
        {"colour": "red"},  # extra fields are refused
        {"larger": -1},
        {"smaller": 2**63},
        {"before": "31/01/2026"},
        {"unread": "maybe"},
    ],
)
def test_bad_forms_are_refused_by_validation(form: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AdvancedQuery.model_validate(form)


def test_form_round_trips_through_json_by_alias() -> None:
    form = AdvancedQuery.model_validate({"from": "bob", "after": "2026-01-01"})
    data = form.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert data == {"from": "bob", "after": "2026-01-01"}
    assert AdvancedQuery.model_validate(data) == form


def test_an_exclusion_cannot_push_the_tree_past_the_depth_limit() -> None:
    # The deepest line the box takes is fine alone; excluded, it is one level deeper.
    deep = "x"
    while True:
        try:
            parse(f"a (b c OR {deep})")
        except QuerySyntaxError:
            break
        deep = f"a (b c OR {deep})"
    deepest = f"x OR ({deep})"  # an OR over the deepest AND: at the limit exactly
    assert AdvancedQuery(words=deepest).to_query() == parse(deepest)
    with pytest.raises(QuerySyntaxError, match="nest at most"):
        AdvancedQuery(words="a", exclude=deepest).to_query()


def test_control_characters_in_fields_read_as_spaces() -> None:
    query = AdvancedQuery.model_validate({"subject": "a\x00b", "tag": "x\x01y"}).to_query()
    assert query == And((Phrase("a b", TextField.SUBJECT), TagIs("x y")))
