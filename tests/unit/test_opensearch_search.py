"""The OpenSearch search request and its hits, checked without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.search.adapters.opensearch_mapping import MAX_RESULT_WINDOW
from services.search.adapters.opensearch_query import compile_query
from services.search.adapters.opensearch_search import (
    SNIPPET_CHARS,
    hit_of,
    search_body,
    snippet,
)
from shared.mail.query import MAX_RESULTS, Flag, Is, Word
from shared.ports.index import SearchSort

WORD = Word("hello")


def test_the_query_is_the_compiled_tree() -> None:
    assert search_body("acc1", WORD)["query"] == compile_query("acc1", WORD)


def test_totals_are_exact_and_pages_follow_limit_and_offset() -> None:
    body = search_body("acc1", WORD, limit=10, offset=25)
    assert body["track_total_hits"] is True
    assert (body["from"], body["size"]) == (25, 10)
    assert set(body["_source"]) == {"message_id", "folder_id", "subject", "sender", "date"}


def test_at_most_200_results() -> None:
    assert search_body("acc1", WORD, limit=500)["size"] == MAX_RESULTS == 200
    assert search_body("acc1", WORD)["size"] == MAX_RESULTS
    assert search_body("acc1", WORD, limit=-1)["size"] == 0


def test_pages_stay_inside_the_result_window() -> None:
    body = search_body("acc1", WORD, limit=200, offset=MAX_RESULT_WINDOW - 50)
    assert body["from"] + body["size"] == MAX_RESULT_WINDOW
    body = search_body("acc1", WORD, limit=200, offset=MAX_RESULT_WINDOW + 5)
    assert body["size"] == 0 and body["from"] <= MAX_RESULT_WINDOW
    assert search_body("acc1", WORD, offset=-3)["from"] == 0


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (SearchSort.RELEVANCE, [{"_score": "desc"}, {"date": "desc"}, {"message_id": "asc"}]),
        (SearchSort.DATE, [{"date": "desc"}, {"message_id": "asc"}]),
    ],
)
def test_order(sort: SearchSort, order: list[dict[str, str]]) -> None:
    assert search_body("acc1", WORD, sort=sort)["sort"] == order


def test_highlight_marks_matches_and_escapes_the_rest() -> None:
    highlight = search_body("acc1", WORD)["highlight"]
    assert (highlight["pre_tags"], highlight["post_tags"]) == (["<mark>"], ["</mark>"])
    assert highlight["encoder"] == "html"
    assert highlight["number_of_fragments"] == 1
    assert highlight["fragment_size"] == SNIPPET_CHARS == 160
    assert set(highlight["fields"]) == {"subject", "body", "attachment_text"}
    # A message matched by anything but its text shows the start of its body.
    assert highlight["fields"]["body"] == {"no_match_size": SNIPPET_CHARS}
    # Within the index's default `highlight.max_analyzed_offset`, or searches would fail.
    assert 0 < highlight["max_analyzer_offset"] <= 1_000_000


def test_snippet_prefers_a_match_in_the_body_then_attachments_then_subject() -> None:
    marked = {
        "subject": ["<mark>Budget</mark> 2026"],
        "attachment_text": ["the <mark>budget</mark> sheet"],
        "body": ["Dear all, the <mark>budget</mark> &lt;draft&gt;"],
    }
    assert snippet(marked) == marked["body"][0]
    marked["body"] = ["Dear all, nothing here"]  # the body's start: no match in it
    assert snippet(marked) == "the <mark>budget</mark> sheet"
    del marked["attachment_text"]
    assert snippet(marked) == "<mark>Budget</mark> 2026"


def test_snippet_falls_back_to_the_start_of_the_body() -> None:
    assert snippet({"body": ["Dear all, the figures &amp; more"]}) == (
        "Dear all, the figures &amp; more"
    )
    assert snippet({}) == ""


def _hit(**extra: Any) -> dict[str, Any]:
    return {
        "_id": "acc1:m1",
        "_score": 2.5,
        "_source": {
            "message_id": "m1",
            "folder_id": "inbox",
            "subject": "Hello",
            "sender": "Bob <bob@example.net>",
            "date": "2026-01-01T00:00:00Z",
        },
        **extra,
    }


def test_a_hit_carries_its_snippet() -> None:
    hit = hit_of(_hit(highlight={"body": ["say <mark>hello</mark>"]}))
    assert (hit.message_id, hit.folder_id, hit.subject, hit.score) == ("m1", "inbox", "Hello", 2.5)
    assert hit.date == datetime(2026, 1, 1, tzinfo=UTC)
    assert hit.snippet == "say <mark>hello</mark>"


def test_a_hit_sorted_by_date_has_no_score() -> None:
    hit = hit_of(_hit(_score=None))
    assert hit.score == 0.0 and hit.snippet == ""


def test_filter_only_queries_still_ask_for_the_body_start() -> None:
    body = search_body("acc1", Is(Flag.UNREAD), sort=SearchSort.DATE)
    assert body["highlight"]["fields"]["body"]["no_match_size"] == SNIPPET_CHARS


def test_snippets_are_one_line() -> None:
    marked = {"body": ["line one\r\nline <mark>two</mark>\r\n\r\n\tend "]}
    assert snippet(marked) == "line one line <mark>two</mark> end"
    assert snippet({"body": ["no\r\nmatch\n"]}) == "no match"
