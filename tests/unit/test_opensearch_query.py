"""The query tree compiled to OpenSearch's DSL, checked without a server."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date
from typing import Any

import pytest
from opensearchpy.helpers.query import Q

from services.search.adapters.opensearch_query import compile_node, compile_query, search_fields
from shared.mail.query import (
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

ACCOUNT = {"term": {"account_id": "acc1"}}
FOLDED_ANY = [
    "subject^3",
    "sender^2",
    "to^1",
    "cc^1",
    "body^1",
    "attachment_names^1",
    "attachment_text^1",
]
FILTERS: list[tuple[Node, dict[str, Any]]] = [
    (TagIs("Urgent"), {"term": {"tags": "Urgent"}}),
    (InFolder("Work", ("f1", "f2")), {"terms": {"folder_id": ["f1", "f2"]}}),
    (InFolder("Nowhere", ()), {"match_none": {}}),
    (Is(Flag.UNREAD), {"term": {"unread": True}}),
    (Is(Flag.READ), {"term": {"unread": False}}),
    (Is(Flag.FLAGGED), {"term": {"flagged": True}}),
    (Is(Flag.UNFLAGGED), {"term": {"flagged": False}}),
    (HasAttachment(), {"term": {"has_attachments": True}}),
    (Before(date(2026, 3, 1)), {"range": {"date": {"lt": "2026-03-01T00:00:00+00:00"}}}),
    (After(date(2026, 3, 1)), {"range": {"date": {"gte": "2026-03-01T00:00:00+00:00"}}}),
    (Larger(10_240), {"range": {"size": {"gt": 10_240}}}),
    (Smaller(1024), {"range": {"size": {"lt": 1024}}}),
]
TEXT: list[tuple[Node, dict[str, Any]]] = [
    (
        Word("budget"),
        {
            "multi_match": {
                "query": "budget",
                "type": "most_fields",
                "operator": "and",
                "fields": search_fields(TextField.ANY, languages=True),
            }
        },
    ),
    (
        Word("alice", TextField.FROM),
        {
            "multi_match": {
                "query": "alice",
                "type": "most_fields",
                "operator": "and",
                "fields": ["sender^2", "sender.french^2", "sender.english^2"],
            }
        },
    ),
    (
        Word("Été", prefix=True),
        {
            "multi_match": {
                "query": "Été",
                "type": "bool_prefix",
                "operator": "and",
                "fields": FOLDED_ANY,
            }
        },
    ),
    (
        Phrase("quarterly figures"),
        {"multi_match": {"query": "quarterly figures", "type": "phrase", "fields": FOLDED_ANY}},
    ),
    (
        Phrase("annual report", TextField.ATTACHMENT),
        {
            "multi_match": {
                "query": "annual report",
                "type": "phrase",
                "fields": ["attachment_names^1", "attachment_text^1"],
            }
        },
    ),
]


@pytest.mark.parametrize(("node", "expected"), FILTERS + TEXT)
def test_each_element_compiles_to_its_query(node: Node, expected: dict[str, Any]) -> None:
    assert compile_node(node) == expected


@pytest.mark.parametrize(("node", "expected"), FILTERS)
def test_filters_do_not_score(node: Node, expected: dict[str, Any]) -> None:
    assert compile_query("acc1", node) == {"bool": {"filter": [ACCOUNT, expected]}}


@pytest.mark.parametrize(("node", "expected"), TEXT)
def test_words_and_phrases_score(node: Node, expected: dict[str, Any]) -> None:
    assert compile_query("acc1", node) == {"bool": {"must": [expected], "filter": [ACCOUNT]}}


@pytest.mark.parametrize("field", [TextField.TO, TextField.CC, TextField.SUBJECT, TextField.BODY])
def test_a_field_searches_itself_and_its_language_sub_fields(field: TextField) -> None:
    boost = 3 if field is TextField.SUBJECT else 1
    name = field.value
    assert search_fields(field, languages=True) == [
        f"{name}^{boost}",
        f"{name}.french^{boost}",
        f"{name}.english^{boost}",
    ]


def test_any_field_weighs_subject_and_sender_above_the_body() -> None:
    fields = search_fields(TextField.ANY, languages=True)
    assert {"subject^3", "subject.french^3", "sender^2", "sender.english^2"} <= set(fields)
    assert {"body^1", "body.french^1", "attachment_text.english^1"} <= set(fields)
    assert len(fields) == 7 * 3


def test_and_splits_scoring_filtering_and_negated_items() -> None:
    node = And((Word("budget"), Is(Flag.UNREAD), Not(TagIs("done")), Phrase("q1 plan")))
    query = compile_query("acc1", node)["bool"]
    assert query["must"] == [compile_node(Word("budget")), compile_node(Phrase("q1 plan"))]
    assert query["filter"] == [ACCOUNT, {"term": {"unread": True}}]
    assert query["must_not"] == [{"term": {"tags": "done"}}]


def test_or_needs_one_branch_and_filter_branches_score_nothing() -> None:
    node = Or((Word("invoice"), HasAttachment()))
    assert compile_query("acc1", node) == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [
                            compile_node(Word("invoice")),
                            {"bool": {"filter": [{"term": {"has_attachments": True}}]}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            ],
            "filter": [ACCOUNT],
        }
    }


def test_an_or_of_filters_is_a_filter() -> None:
    node = Or((TagIs("urgent"), HasAttachment()))
    should = [{"term": {"tags": "urgent"}}, {"term": {"has_attachments": True}}]
    assert compile_query("acc1", node) == {
        "bool": {"filter": [ACCOUNT, {"bool": {"should": should, "minimum_should_match": 1}}]}
    }


def test_not_excludes_and_keeps_the_account() -> None:
    assert compile_query("acc1", Not(Word("paid"))) == {
        "bool": {"filter": [ACCOUNT], "must_not": [compile_node(Word("paid"))]}
    }
    # Below the top level a NOT is a bool of its own.
    assert compile_node(Or((Not(Is(Flag.FLAGGED)), Larger(5)))) == {
        "bool": {
            "should": [
                {"bool": {"must_not": [{"term": {"flagged": True}}]}},
                {"range": {"size": {"gt": 5}}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_nesting() -> None:
    # (invoice OR receipt) -paid is:unread
    node = And((Or((Word("invoice"), Word("receipt"))), Not(Word("paid")), Is(Flag.UNREAD)))
    assert compile_query("acc1", node) == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [compile_node(Word("invoice")), compile_node(Word("receipt"))],
                        "minimum_should_match": 1,
                    }
                }
            ],
            "filter": [ACCOUNT, {"term": {"unread": True}}],
            "must_not": [compile_node(Word("paid"))],
        }
    }
    inner = And((Word("a"), Before(date(2026, 1, 2))))
    assert compile_node(Not(inner)) == {
        "bool": {
            "must_not": [
                {
                    "bool": {
                        "must": [compile_node(Word("a"))],
                        "filter": [compile_node(Before(date(2026, 1, 2)))],
                    }
                }
            ]
        }
    }


def test_empty_and_matches_all_and_empty_or_nothing() -> None:
    assert compile_node(And(())) == {"match_all": {}}
    assert compile_node(Or(())) == {"match_none": {}}
    assert compile_query("acc1", And(())) == {"bool": {"filter": [ACCOUNT]}}


SAMPLES: list[Node] = [
    *(node for node, _ in FILTERS + TEXT),
    And((Word("a"), Not(Or((TagIs("x"), Phrase("b c")))), After(date(2026, 1, 1)))),
    Not(And(())),
    Or((Not(Word("a")), And((Is(Flag.READ), Word("b", prefix=True))))),
]


@pytest.mark.parametrize("node", SAMPLES)
def test_the_account_filter_is_always_there(node: Node) -> None:
    query = compile_query("acc-42", node)
    assert query["bool"]["filter"][0] == {"term": {"account_id": "acc-42"}}
    assert "should" not in query["bool"]  # never an alternative to the account


@pytest.mark.parametrize("node", SAMPLES)
def test_every_query_is_one_opensearch_knows(node: Node) -> None:
    # opensearch-py's DSL classes refuse unknown query names and re-serialise known ones.
    query = compile_query("acc1", node)
    assert Q(query).to_dict() == query


def test_anything_else_is_refused() -> None:
    with pytest.raises(TypeError):
        compile_node("budget")  # type: ignore[arg-type]


def _bool_depth(query: Any) -> int:
    """How deep `bool` queries nest (OpenSearch refuses past
    `indices.query.bool.max_nested_depth`, 20 by default)."""
    if isinstance(query, list):
        return max((_bool_depth(q) for q in query), default=0)
    if not isinstance(query, dict):
        return 0
    inner = max((_bool_depth(v) for v in query.values()), default=0)
    return inner + 1 if "bool" in query else inner


@pytest.mark.parametrize(
    "patterns",
    [["needle (b OR -(zz {}))", "needle (b c OR {})"], ["needle (b c OR {})", "x OR (a -(b {}))"]],
)
def test_the_deepest_query_the_language_takes_stays_within_the_bool_depth(
    patterns: list[str],
) -> None:
    q = "needle"
    for pattern in itertools.cycle(patterns):
        try:
            parse(pattern.format(q))
        except QuerySyntaxError:
            break
        q = pattern.format(q)
    assert _bool_depth(compile_query("acc1", parse(q))) <= 20


def test_control_characters_never_reach_the_query() -> None:
    compiled = json.dumps(compile_query("acc1", parse('a\x00b "c\x01d" subject:e\x7ff tag:g\x00')))
    assert not re.search(r"\\u00[01]|\\u007f", compiled)
