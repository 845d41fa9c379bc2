"""The OpenSearch request bodies, checked without a server."""

from __future__ import annotations

from typing import Any

from services.search.adapters.opensearch import (
    FOLDING_ANALYZER,
    MAX_RESULT_WINDOW,
    TEXT_FIELDS,
    build_query,
    index_definition,
)
from shared.ports.index import IndexDocument


def _multi_match(body: dict[str, Any]) -> dict[str, Any]:
    (clause,) = body["query"]["bool"]["must"]
    match: dict[str, Any] = clause["multi_match"]
    return match


def test_every_word_must_match_across_fields() -> None:
    match = _multi_match(build_query("acc1", "budget meeting"))
    assert match["query"] == "budget meeting"
    assert match["operator"] == "and"
    assert match["type"] == "cross_fields"


def test_subject_and_sender_are_boosted() -> None:
    fields = _multi_match(build_query("acc1", "x"))["fields"]
    assert "subject^3" in fields and "sender^2" in fields
    assert {"body^1", "to^1", "cc^1", "attachment_names^1"} <= set(fields)
    # The language sub-fields weigh as much as their field.
    assert {"subject.french^3", "subject.english^3", "body.french^1"} <= set(fields)


def test_account_is_a_filter_not_a_scored_clause() -> None:
    body = build_query("acc-42", "hello")
    assert body["query"]["bool"]["filter"] == [{"term": {"account_id": "acc-42"}}]
    assert "should" not in body["query"]["bool"]


def test_totals_are_exact_and_pages_follow_limit_and_offset() -> None:
    body = build_query("acc1", "hello", limit=10, offset=25)
    assert body["track_total_hits"] is True
    assert (body["from"], body["size"]) == (25, 10)
    assert body["sort"][0] == {"_score": "desc"}
    assert set(body["_source"]) == {"message_id", "folder_id", "subject", "sender", "date"}


def test_pages_stay_inside_the_result_window() -> None:
    body = build_query("acc1", "hello", limit=200, offset=MAX_RESULT_WINDOW - 50)
    assert body["from"] + body["size"] == MAX_RESULT_WINDOW
    body = build_query("acc1", "hello", limit=200, offset=MAX_RESULT_WINDOW + 5)
    assert body["size"] == 0 and body["from"] <= MAX_RESULT_WINDOW
    assert build_query("acc1", "hello", offset=-3)["from"] == 0


def test_folding_analyser_folds_case_and_accents_without_icu() -> None:
    analysis = index_definition()["settings"]["analysis"]
    analyzer = analysis["analyzer"][FOLDING_ANALYZER]
    assert analyzer["tokenizer"] == "standard"
    filters = analyzer["filter"]
    assert "lowercase" in filters and "asciifolding" in filters
    assert filters.index("lowercase") < filters.index("asciifolding")
    assert not any("icu" in f for f in filters)
    # "d'été" is one token for the standard tokenizer: elision makes "ete" find it.
    (elision,) = (analysis["filter"][f] for f in filters if f in analysis["filter"])
    assert elision["type"] == "elision" and "d" in elision["articles"]


def test_text_fields_have_folding_and_language_sub_fields() -> None:
    properties = index_definition()["mappings"]["properties"]
    for field in TEXT_FIELDS:
        mapping = properties[field]
        assert mapping["type"] == "text"
        assert mapping["analyzer"] == FOLDING_ANALYZER
        assert mapping["fields"]["french"]["analyzer"] == "french"
        assert mapping["fields"]["english"]["analyzer"] == "english"


def test_ids_and_state_are_exact_values() -> None:
    properties = index_definition()["mappings"]["properties"]
    for field in ("account_id", "message_id", "folder_id"):
        assert properties[field] == {"type": "keyword"}
    assert properties["date"]["type"] == "date"
    for field in ("unread", "flagged", "has_attachments"):
        assert properties[field]["type"] == "boolean"
    assert properties["modseq"]["type"] == "long"


def test_every_indexed_field_is_mapped() -> None:
    properties = index_definition()["mappings"]["properties"]
    assert set(IndexDocument.model_fields) <= set(properties)


def test_index_is_searchable_within_a_second() -> None:
    settings = index_definition()["settings"]["index"]
    assert settings["refresh_interval"] == "500ms"
