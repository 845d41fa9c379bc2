"""The OpenSearch messages index: its name, analysis settings and mappings.

Text is matched as the embedded index matches it (`shared.mail.query.ast`): case and accents
fold, and words split at every character that is not a letter or a digit. Each text field
also has `french` and `english` sub-fields (stemmed, stop words dropped) for recall: a
plain word is searched in both the folded field and its language sub-fields, phrases and
prefixes in the folded field only.
"""

from __future__ import annotations

from typing import Any

# Bump when the analysis or the mapping of an existing field changes: OpenSearch cannot
# change those in place, so a new index is created and `bureau search reindex` fills it.
INDEX_VERSION = 2

# Fields searched, with their boosts (subject and sender weigh more than the body).
TEXT_FIELDS: dict[str, int] = {
    "subject": 3,
    "sender": 2,
    "to": 1,
    "cc": 1,
    "body": 1,
    "attachment_names": 1,
    "attachment_text": 1,
}
# Long fields keep offsets in their postings: the highlighter then finds the matches
# without analysing the text again, which also lifts its 1,000,000-character limit.
OFFSET_FIELDS = ("body", "attachment_text")
LANGUAGES = ("french", "english")
FOLDING_ANALYZER = "bureau_folding"
TAG_NORMALIZER = "bureau_tag"
MAX_RESULT_WINDOW = 10_000  # OpenSearch's default `index.max_result_window`
# A removed message's document becomes a tombstone: its modseq, the time of the removal,
# and its account under `tombstone_of` instead of `account_id`, so that every query
# filtered by account (searches, counts) leaves tombstones out without saying so.
# Fields added to an existing index in place (adding a field needs no new index).
ADDED_FIELDS: dict[str, Any] = {
    "tombstone_of": {"type": "keyword"},
    "removed_at": {"type": "date"},
}

# The standard tokenizer (UAX #29) keeps "report.pdf", "o'neil", "d'été", "snake_case" and
# "1,000" as single words; the embedded index (FTS5 unicode61) splits them, so that
# `attachment:report` finds "report.pdf" and "ete" finds "d'été". A space in their place
# (one character for one: highlight offsets stay right) makes this index split them too.
_SPLIT_CHARACTERS = ".,_:'\u2018\u2019\u00b7"


def index_name(prefix: str) -> str:
    return f"{prefix}-messages-v{INDEX_VERSION}"


def legacy_index_names(prefix: str) -> list[str]:
    """Names of the indexes earlier releases wrote (to point operators at a reindex)."""
    return [f"{prefix}-messages", *(f"{prefix}-messages-v{v}" for v in range(2, INDEX_VERSION))]


def _text_field(name: str) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        "type": "text",
        "analyzer": FOLDING_ANALYZER,
        "fields": {lang: {"type": "text", "analyzer": lang} for lang in LANGUAGES},
    }
    if name in OFFSET_FIELDS:
        mapping["index_options"] = "offsets"
    return mapping


def index_definition() -> dict[str, Any]:
    """Settings and mappings of the messages index."""
    keyword = {"type": "keyword"}
    boolean = {"type": "boolean"}
    return {
        "settings": {
            "index": {"refresh_interval": "500ms", "max_result_window": MAX_RESULT_WINDOW},
            "analysis": {
                "char_filter": {
                    "bureau_split": {
                        "type": "pattern_replace",
                        "pattern": f"[{_SPLIT_CHARACTERS}]",
                        "replacement": " ",
                    }
                },
                "analyzer": {
                    # Case and accents fold without the ICU plugin: "Été" and "ete" meet.
                    FOLDING_ANALYZER: {
                        "type": "custom",
                        "char_filter": ["bureau_split"],
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding"],
                    }
                },
                # Tag names match like words: `tag:urgent` finds "Urgent" and "urgent".
                "normalizer": {
                    TAG_NORMALIZER: {"type": "custom", "filter": ["lowercase", "asciifolding"]}
                },
            },
        },
        "mappings": {
            # Unknown fields stay in _source unindexed: a newer writer does not break an
            # older index during a rolling upgrade.
            "dynamic": False,
            "_routing": {"required": True},
            "properties": {
                "account_id": keyword,
                "message_id": keyword,
                "folder_id": keyword,
                "tags": {"type": "keyword", "normalizer": TAG_NORMALIZER},
                **{field: _text_field(field) for field in TEXT_FIELDS},
                "date": {"type": "date"},
                "size": {"type": "long"},
                "unread": boolean,
                "flagged": boolean,
                "has_attachments": boolean,
                "modseq": {"type": "long"},
                **ADDED_FIELDS,
            },
        },
    }
