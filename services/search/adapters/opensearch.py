"""Search index on OpenSearch (the distributed mode), through opensearch-py's async client.

One index, `{prefix}-messages`, one document per message with `_id` = `account:message`,
routed by account so that a search reads one shard. Writes become searchable within the
index's refresh interval (500 ms); `refresh()` forces it, for tests and bulk re-indexing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from opensearchpy import AsyncOpenSearch, NotFoundError, RequestError

from shared.ports.index import IndexDocument, SearchHit, SearchResults

# Stale writes are refused by comparing modseqs in a script rather than by external
# versioning (version=modseq, version_type=external_gte): `update_state` changes a few
# fields through the _update API, which only knows internal versions and would break the
# link between the document's version and its modseq. With the modseq kept in _source and
# checked by both scripts, `upsert` and `update_state` obey one rule, and concurrent writes
# are serialised by the _update API's own optimistic retry (`retry_on_conflict`).
_UPSERT = (
    "if (ctx._source.modseq != null && ctx._source.modseq > params.doc.modseq) {"
    " ctx.op = 'none'; } else { ctx._source.clear(); ctx._source.putAll(params.doc); }"
)
_UPDATE_STATE = (
    "if (ctx._source.modseq != null && ctx._source.modseq > params.modseq) {"
    " ctx.op = 'none'; } else {"
    " ctx._source.folder_id = params.folder_id; ctx._source.unread = params.unread;"
    " ctx._source.flagged = params.flagged; ctx._source.modseq = params.modseq; }"
)
_RETRIES = 5  # `retry_on_conflict` for concurrent updates of one message

# Fields searched, with their boosts; each is also searched through its language sub-fields.
TEXT_FIELDS: dict[str, int] = {
    "subject": 3,
    "sender": 2,
    "to": 1,
    "cc": 1,
    "body": 1,
    "attachment_names": 1,
}
LANGUAGES = ("french", "english")
FOLDING_ANALYZER = "bureau_folding"
MAX_RESULT_WINDOW = 10_000  # OpenSearch's default `index.max_result_window`
_HIT_FIELDS = ["message_id", "folder_id", "subject", "sender", "date"]

# French elided articles (l'été, d'accord, qu'il): split off before folding, so that "ete"
# finds "d'été". The standard tokenizer keeps "d'été" as one token otherwise.
_ELISIONS = ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"]


def index_definition() -> dict[str, Any]:
    """Settings and mappings of the messages index."""
    text = {
        "type": "text",
        "analyzer": FOLDING_ANALYZER,
        "fields": {lang: {"type": "text", "analyzer": lang} for lang in LANGUAGES},
    }
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "index": {"refresh_interval": "500ms", "max_result_window": MAX_RESULT_WINDOW},
            "analysis": {
                "filter": {
                    "bureau_elision": {
                        "type": "elision",
                        "articles": _ELISIONS,
                        "articles_case": True,
                    }
                },
                "analyzer": {
                    # Case and accents fold without the ICU plugin: "Été" and "ete" meet.
                    FOLDING_ANALYZER: {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "bureau_elision", "asciifolding"],
                    }
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
                **{field: text for field in TEXT_FIELDS},
                "date": {"type": "date"},
                "size": {"type": "long"},
                "unread": {"type": "boolean"},
                "flagged": {"type": "boolean"},
                "has_attachments": {"type": "boolean"},
                "modseq": {"type": "long"},
            },
        },
    }


def search_fields() -> list[str]:
    """Every searched field with its boost, language sub-fields included."""
    return [
        f"{name}^{boost}"
        for field, boost in TEXT_FIELDS.items()
        for name in (field, *(f"{field}.{lang}" for lang in LANGUAGES))
    ]


def build_query(
    account_id: str, words: str, *, limit: int = 200, offset: int = 0
) -> dict[str, Any]:
    """The search request body: every word must match, in any of the fields.

    `cross_fields` treats the fields as one big field per analyser, so "budget meeting"
    finds a message with "budget" in the subject and "meeting" in the body; with operator
    `and`, each word must appear somewhere. The account is a filter: it does not score.
    """
    offset = max(offset, 0)
    size = max(0, min(limit, MAX_RESULT_WINDOW - offset))
    return {
        "query": {
            "bool": {
                "filter": [{"term": {"account_id": account_id}}],
                "must": [
                    {
                        "multi_match": {
                            "query": words,
                            "type": "cross_fields",
                            "operator": "and",
                            "fields": search_fields(),
                        }
                    }
                ],
            }
        },
        "track_total_hits": True,
        "sort": [{"_score": "desc"}, {"date": "desc"}, {"message_id": "asc"}],
        "_source": _HIT_FIELDS,
        "from": min(offset, MAX_RESULT_WINDOW),
        "size": size,
    }


class OpenSearchIndex:
    """`SearchIndex` on OpenSearch."""

    def __init__(self, client: AsyncOpenSearch, name: str) -> None:
        self._client = client
        self.name = name

    @classmethod
    async def open(cls, url: str, prefix: str, **client_options: Any) -> OpenSearchIndex:
        """Connect to `url` (comma-separated for several nodes); create the index if absent.

        `client_options` go to `AsyncOpenSearch` (`http_auth`, `verify_certs`, ...).
        """
        hosts = [u.strip() for u in url.split(",") if u.strip()]
        index = cls(AsyncOpenSearch(hosts=hosts, **client_options), f"{prefix}-messages")
        try:
            await index._create_if_absent()
        except BaseException:
            await index.close()
            raise
        return index

    async def _create_if_absent(self) -> None:
        if await self._client.indices.exists(index=self.name):
            return
        try:
            await self._client.indices.create(index=self.name, body=index_definition())
        except RequestError as exc:  # another replica created it in between
            if exc.error != "resource_already_exists_exception":
                raise

    async def upsert(self, doc: IndexDocument) -> None:
        await self._client.update(
            index=self.name,
            id=_doc_id(doc.account_id, doc.message_id),
            body={
                "scripted_upsert": True,
                "script": {
                    "lang": "painless",
                    "source": _UPSERT,
                    "params": {"doc": doc.model_dump(mode="json")},
                },
                "upsert": {},
            },
            routing=doc.account_id,
            retry_on_conflict=_RETRIES,
        )

    async def update_state(
        self,
        account_id: str,
        message_id: str,
        *,
        folder_id: str,
        unread: bool,
        flagged: bool,
        modseq: int,
    ) -> None:
        params = {"folder_id": folder_id, "unread": unread, "flagged": flagged, "modseq": modseq}
        # A message not indexed yet has no text to keep: its upsert will bring the state.
        with contextlib.suppress(NotFoundError):
            await self._client.update(
                index=self.name,
                id=_doc_id(account_id, message_id),
                body={"script": {"lang": "painless", "source": _UPDATE_STATE, "params": params}},
                routing=account_id,
                retry_on_conflict=_RETRIES,
            )

    async def delete(self, account_id: str, message_id: str) -> None:
        with contextlib.suppress(NotFoundError):  # deleting twice is not an error
            await self._client.delete(
                index=self.name, id=_doc_id(account_id, message_id), routing=account_id
            )

    async def search(
        self, account_id: str, words: str, *, limit: int = 200, offset: int = 0
    ) -> SearchResults:
        if not words.strip():
            return SearchResults(items=[], total=0)
        response = await self._client.search(
            index=self.name,
            body=build_query(account_id, words, limit=limit, offset=offset),
            routing=account_id,
        )
        hits = response["hits"]
        return SearchResults(items=[_hit(h) for h in hits["hits"]], total=hits["total"]["value"])

    async def count(self, account_id: str) -> int:
        response = await self._client.count(
            index=self.name,
            body={"query": {"term": {"account_id": account_id}}},
            routing=account_id,
        )
        return int(response["count"])

    async def refresh(self) -> None:
        """Make every write so far searchable now, instead of within the refresh interval."""
        await self._client.indices.refresh(index=self.name)

    async def close(self) -> None:
        await self._client.close()


def _hit(hit: dict[str, Any]) -> SearchHit:
    source = hit["_source"]
    return SearchHit(
        message_id=source["message_id"],
        folder_id=source["folder_id"],
        subject=source["subject"],
        sender=source["sender"],
        date=source["date"],
        score=hit.get("_score") or 0.0,
    )


def _doc_id(account_id: str, message_id: str) -> str:
    return f"{account_id}:{message_id}"
