"""The search request body (query, order, page, highlight) and the hits it returns."""

from __future__ import annotations

from typing import Any

from services.search.adapters.opensearch_mapping import MAX_RESULT_WINDOW
from services.search.adapters.opensearch_query import compile_query
from shared.mail.query import MAX_RESULTS, Node
from shared.ports.index import SearchHit, SearchSort

SNIPPET_CHARS = 160
# Where a snippet comes from, first match first: the body says most about a message; the
# subject is shown beside the snippet anyway.
SNIPPET_FIELDS = ("body", "attachment_text", "subject")
# How much of a field the highlighter analyses again (for fields indexed without offsets,
# e.g. the subject, or the body in an index created before offsets were kept): above the
# index's `highlight.max_analyzed_offset` (1,000,000) a search would fail altogether.
MAX_ANALYZED = 100_000
_HIT_FIELDS = ["message_id", "folder_id", "subject", "sender", "date"]
# `message_id` last makes the order total, so pages neither skip nor repeat a message.
_ORDER: dict[SearchSort, list[dict[str, str]]] = {
    SearchSort.RELEVANCE: [{"_score": "desc"}, {"date": "desc"}, {"message_id": "asc"}],
    SearchSort.DATE: [{"date": "desc"}, {"message_id": "asc"}],
}


def search_body(
    account_id: str,
    query: Node,
    *,
    limit: int = MAX_RESULTS,
    offset: int = 0,
    sort: SearchSort = SearchSort.RELEVANCE,
) -> dict[str, Any]:
    """The body of a search request: at most MAX_RESULTS hits, inside the result window."""
    offset = min(max(offset, 0), MAX_RESULT_WINDOW)
    size = max(0, min(limit, MAX_RESULTS, MAX_RESULT_WINDOW - offset))
    return {
        "query": compile_query(account_id, query),
        "track_total_hits": True,
        "sort": _ORDER[sort],
        "_source": _HIT_FIELDS,
        "from": offset,
        "size": size,
        "highlight": highlight(),
    }


def highlight() -> dict[str, Any]:
    """One fragment of about SNIPPET_CHARS per field, matches in <mark>, the rest
    HTML-escaped (`encoder: html`); the body gives its first characters when it has no
    match, which is the snippet of a message matched by anything but its text."""
    return {
        "type": "unified",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
        "fragment_size": SNIPPET_CHARS,
        "number_of_fragments": 1,
        "max_analyzer_offset": MAX_ANALYZED,
        "fields": {
            field: {"no_match_size": SNIPPET_CHARS} if field == "body" else {}
            for field in SNIPPET_FIELDS
        },
    }


def snippet(highlights: dict[str, list[str]]) -> str:
    """The first fragment with a match, in SNIPPET_FIELDS order; else the body's start. On
    one line: the mail's line ends and runs of spaces are one space."""
    for field in SNIPPET_FIELDS:
        for fragment in highlights.get(field, []):
            if "<mark>" in fragment:  # literal text was escaped: this is a highlighter tag
                return " ".join(fragment.split())
    return " ".join(next(iter(highlights.get("body", [])), "").split())


def hit_of(hit: dict[str, Any]) -> SearchHit:
    source = hit["_source"]
    return SearchHit(
        message_id=source["message_id"],
        folder_id=source["folder_id"],
        subject=source.get("subject", ""),
        sender=source.get("sender", ""),
        date=source["date"],
        score=hit.get("_score") or 0.0,
        snippet=snippet(hit.get("highlight", {})),
    )
