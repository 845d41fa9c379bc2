"""Compiles the query tree (`shared.mail.query`) to OpenSearch's query DSL.

Words and phrases score: they go to a bool's `must` (or `should`, under OR). Everything
else — tag, folder, flags, attachment, dates, sizes — only filters (`filter`, `must_not`):
OpenSearch caches those and they leave the ranking to the words. The account is always a
filter; the request is also routed by it (see `opensearch.py`).

A word is one `multi_match` of type `most_fields` over the folded fields *and* their
`french` / `english` sub-fields: the score adds up over them, so an exact word (found by
all three analyses) ranks above a mere stem match (found by the language ones only), and
a word found in the subject and the body above one found in the body alone; the boosts
keep subject and sender ahead. `best_fields` would take the single best clause and rank
"meetings" for "meeting" as high as an exact hit. Phrases and prefixes search the folded
fields only: stemming and dropped stop words would loosen "these words, in this order".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from services.search.adapters.opensearch_mapping import LANGUAGES, TEXT_FIELDS
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
    Smaller,
    TagIs,
    TextField,
    Word,
)

Query = dict[str, Any]

MATCH_NONE: Query = {"match_none": {}}
MATCH_ALL: Query = {"match_all": {}}

_FIELDS: dict[TextField, tuple[str, ...]] = {
    TextField.ANY: tuple(TEXT_FIELDS),
    TextField.FROM: ("sender",),
    TextField.TO: ("to",),
    TextField.CC: ("cc",),
    TextField.SUBJECT: ("subject",),
    TextField.BODY: ("body",),
    TextField.ATTACHMENT: ("attachment_names", "attachment_text"),
}
_FLAGS: dict[Flag, tuple[str, bool]] = {
    Flag.UNREAD: ("unread", True),
    Flag.READ: ("unread", False),
    Flag.FLAGGED: ("flagged", True),
    Flag.UNFLAGGED: ("flagged", False),
}


def account_filter(account_id: str) -> Query:
    return {"term": {"account_id": account_id}}


def compile_query(account_id: str, node: Node) -> Query:
    """The `query` of a search request: `node` within the account's messages."""
    items = node.items if isinstance(node, And) else (node,)
    return _bool(items, first_filter=account_filter(account_id))


def search_fields(field: TextField, *, languages: bool) -> list[str]:
    """The fields a text node searches, with their boosts (`subject^3`), and the language
    sub-fields of each when `languages`."""
    suffixes = ("", *(f".{lang}" for lang in LANGUAGES)) if languages else ("",)
    return [f"{name}{suffix}^{TEXT_FIELDS[name]}" for name in _FIELDS[field] for suffix in suffixes]


def scores(node: Node) -> bool:
    """Whether the node ranks results (it has a word or phrase outside any NOT)."""
    if isinstance(node, Word | Phrase):
        return True
    if isinstance(node, And | Or):
        return any(scores(item) for item in node.items)
    return False


def compile_node(node: Node) -> Query:
    """The query of one node, account aside."""
    match node:
        case Word(text=text, field=field, prefix=True):
            # `bool_prefix` analyses the text with each field's analyser (so the prefix is
            # folded like the indexed words) and makes its last word a prefix query, which,
            # unlike `match_phrase_prefix`, has no cap on how many words it expands to.
            return _multi_match(text, "bool_prefix", search_fields(field, languages=False))
        case Word(text=text, field=field):
            return _multi_match(text, "most_fields", search_fields(field, languages=True))
        case Phrase(text=text, field=field):
            return {
                "multi_match": {
                    "query": text,
                    "type": "phrase",
                    "fields": search_fields(field, languages=False),
                }
            }
        case TagIs(name=name):
            return {"term": {"tags": name}}  # the field's normalizer folds `name` too
        case InFolder(folder_ids=ids):
            # A name that resolved to no folder matches nothing (not "any folder").
            return {"terms": {"folder_id": list(ids)}} if ids else MATCH_NONE
        case Is(flag=flag):
            name, value = _FLAGS[flag]
            return {"term": {name: value}}
        case HasAttachment():
            return {"term": {"has_attachments": True}}
        case Before(day=day):
            return {"range": {"date": {"lt": _day_start(day)}}}
        case After(day=day):
            return {"range": {"date": {"gte": _day_start(day)}}}
        case Larger(size=size):
            return {"range": {"size": {"gt": size}}}
        case Smaller(size=size):
            return {"range": {"size": {"lt": size}}}
        case And(items=items):
            return _bool(items)
        case Or(items=items):
            return _or(items)
        case Not(item=item):
            return {"bool": {"must_not": [compile_node(item)]}}
    raise TypeError(f"not a query node: {node!r}")


def _multi_match(text: str, kind: str, fields: list[str]) -> Query:
    return {"multi_match": {"query": text, "type": kind, "operator": "and", "fields": fields}}


def _bool(items: tuple[Node, ...], *, first_filter: Query | None = None) -> Query:
    """AND of `items`: scoring ones in `must`, the others in `filter`, NOTs in `must_not`."""
    must: list[Query] = []
    filters: list[Query] = [first_filter] if first_filter is not None else []
    must_not: list[Query] = []
    for item in items:
        if isinstance(item, Not):
            must_not.append(compile_node(item.item))
        elif scores(item):
            must.append(compile_node(item))
        else:
            filters.append(compile_node(item))
    clauses = {"must": must, "filter": filters, "must_not": must_not}
    query = {name: clause for name, clause in clauses.items() if clause}
    return {"bool": query} if query else MATCH_ALL


def _or(items: tuple[Node, ...]) -> Query:
    if not items:
        return MATCH_NONE
    ranked = any(scores(item) for item in items)
    should = [
        # Under a ranked OR, a filter branch matches with score 0 instead of adding a
        # term score of its own (a `term` on `unread` is no evidence of relevance).
        {"bool": {"filter": [compile_node(item)]}}
        if ranked and not scores(item)
        else compile_node(item)
        for item in items
    ]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _day_start(day: date) -> str:
    """Midnight UTC of `day`, as OpenSearch's default date format reads it."""
    return datetime.combine(day, time(0), tzinfo=UTC).isoformat()
