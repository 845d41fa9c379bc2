"""The OpenSearch messages index definition, checked without a server."""

from __future__ import annotations

import re

from services.search.adapters.opensearch_mapping import (
    FOLDING_ANALYZER,
    INDEX_VERSION,
    OFFSET_FIELDS,
    TAG_NORMALIZER,
    TEXT_FIELDS,
    index_definition,
    index_name,
    legacy_index_names,
)
from shared.ports.index import IndexDocument


def test_folding_analyser_folds_case_and_accents_without_icu() -> None:
    analysis = index_definition()["settings"]["analysis"]
    analyzer = analysis["analyzer"][FOLDING_ANALYZER]
    assert analyzer["tokenizer"] == "standard"
    filters = analyzer["filter"]
    assert filters == ["lowercase", "asciifolding"]
    assert not any("icu" in f for f in filters)


def test_words_split_where_the_embedded_index_splits_them() -> None:
    analysis = index_definition()["settings"]["analysis"]
    (name,) = analysis["analyzer"][FOLDING_ANALYZER]["char_filter"]
    split = analysis["char_filter"][name]
    assert split["type"] == "pattern_replace" and split["replacement"] == " "
    # Java and Python agree on this character class; one character becomes one space.
    pattern = re.compile(split["pattern"])
    assert pattern.sub(" ", "report.pdf d'été l\u2019hiver snake_case 1,000 a:b") == (
        "report pdf d été l hiver snake case 1 000 a b"
    )
    assert pattern.sub(" ", "Café <b>crème</b> bob@example") == "Café <b>crème</b> bob@example"


def test_text_fields_have_folding_and_language_sub_fields() -> None:
    properties = index_definition()["mappings"]["properties"]
    assert {"subject", "sender", "to", "cc", "body", "attachment_names", "attachment_text"} == (
        set(TEXT_FIELDS)
    )
    for field in TEXT_FIELDS:
        mapping = properties[field]
        assert mapping["type"] == "text"
        assert mapping["analyzer"] == FOLDING_ANALYZER
        assert mapping["fields"]["french"] == {"type": "text", "analyzer": "french"}
        assert mapping["fields"]["english"] == {"type": "text", "analyzer": "english"}


def test_long_fields_keep_offsets_for_the_highlighter() -> None:
    properties = index_definition()["mappings"]["properties"]
    assert set(OFFSET_FIELDS) == {"body", "attachment_text"}
    for field in TEXT_FIELDS:
        expected = "offsets" if field in OFFSET_FIELDS else None
        assert properties[field].get("index_options") == expected


def test_subject_and_sender_weigh_more_than_the_body() -> None:
    assert TEXT_FIELDS["subject"] > TEXT_FIELDS["sender"] > TEXT_FIELDS["body"]


def test_tags_are_keywords_that_fold_like_words() -> None:
    definition = index_definition()
    assert definition["mappings"]["properties"]["tags"] == {
        "type": "keyword",
        "normalizer": TAG_NORMALIZER,
    }
    normalizer = definition["settings"]["analysis"]["normalizer"][TAG_NORMALIZER]
    assert normalizer == {"type": "custom", "filter": ["lowercase", "asciifolding"]}


def test_ids_and_state_are_exact_values() -> None:
    properties = index_definition()["mappings"]["properties"]
    for field in ("account_id", "message_id", "folder_id"):
        assert properties[field] == {"type": "keyword"}
    assert properties["date"]["type"] == "date"
    for field in ("unread", "flagged", "has_attachments"):
        assert properties[field]["type"] == "boolean"
    for field in ("size", "modseq"):
        assert properties[field]["type"] == "long"


def test_every_indexed_field_is_mapped() -> None:
    properties = index_definition()["mappings"]["properties"]
    assert set(IndexDocument.model_fields) <= set(properties)


def test_documents_are_routed_and_unknown_fields_not_indexed() -> None:
    mappings = index_definition()["mappings"]
    assert mappings["_routing"] == {"required": True}
    assert mappings["dynamic"] is False


def test_index_is_searchable_within_a_second() -> None:
    settings = index_definition()["settings"]["index"]
    assert settings["refresh_interval"] == "500ms"


def test_the_layout_version_is_in_the_name() -> None:
    assert index_name("bureau") == f"bureau-messages-v{INDEX_VERSION}"
    assert "bureau-messages" in legacy_index_names("bureau")
    assert index_name("bureau") not in legacy_index_names("bureau")
