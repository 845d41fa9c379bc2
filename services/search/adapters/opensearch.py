"""Search index on OpenSearch (the distributed mode), through opensearch-py's async client.

One index, `{prefix}-messages-v{N}` (see `opensearch_mapping`), one document per message
with `_id` = `account:message`, routed by account so that a search reads one shard.
Writes become searchable within the index's refresh interval (500 ms); `refresh()`
forces it, for tests and bulk re-indexing. Queries are compiled by `opensearch_query`;
the request around them (order, page, highlight) is built by `opensearch_search`.

A removal replaces the document with a tombstone (see `opensearch_mapping.ADDED_FIELDS`)
that keeps the removal's modseq, so the scripts below refuse a late change at or below
it. A delete would not do: OpenSearch forgets a deleted document's version after
`index.gc_deletes` (60 s), and a slow addition may come later than that.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from opensearchpy import AsyncOpenSearch, NotFoundError, RequestError

from services.search.adapters.opensearch_mapping import (
    ADDED_FIELDS,
    index_definition,
    index_name,
    legacy_index_names,
)
from services.search.adapters.opensearch_query import account_filter
from services.search.adapters.opensearch_search import hit_of, search_body
from shared.mail.query import MAX_RESULTS, Node
from shared.ports.index import IndexDocument, SearchResults, SearchSort

log = logging.getLogger(__name__)

# Stale writes are refused by comparing modseqs in a script rather than by external
# versioning (version=modseq, version_type=external_gte): `update_state` changes a few
# fields through the _update API, which only knows internal versions and would break the
# link between the document's version and its modseq. With the modseq kept in _source and
# checked by the scripts, `upsert`, `update_state` and `delete` obey one rule, and
# concurrent writes are serialised by the _update API's own optimistic retry
# (`retry_on_conflict`). A tombstone wins at its own modseq too.
_STALE = (
    "def m = ctx._source.modseq; boolean stale = m != null && (m > params.modseq"
    " || (m == params.modseq && ctx._source.tombstone_of != null));"
)
_UPSERT = (
    _STALE + " if (stale) { ctx.op = 'none'; }"
    " else { ctx._source.clear(); ctx._source.putAll(params.doc); }"
)
# Above a tombstone the message was stored again: the tombstone goes ('deleted' tells the
# caller), and the caller indexes the whole message at this modseq.
_UPDATE_STATE = (
    _STALE + " if (stale) { ctx.op = 'none'; }"
    " else if (ctx._source.tombstone_of != null) { ctx.op = 'delete'; } else {"
    " ctx._source.folder_id = params.folder_id; ctx._source.unread = params.unread;"
    " ctx._source.flagged = params.flagged; ctx._source.tags = params.tags;"
    " ctx._source.modseq = params.modseq; }"
)
_DELETE = (
    _STALE + " if (stale) { ctx.op = 'none'; }"
    " else { ctx._source.clear(); ctx._source.putAll(params.tombstone); }"
)
_RETRIES = 5  # `retry_on_conflict` for concurrent updates of one message
_CLEAR_TIMEOUT = 300  # seconds: deleting a large account's entries takes a while


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
        index = cls(AsyncOpenSearch(hosts=hosts, **client_options), index_name(prefix))
        try:
            if await index._create_if_absent():
                await index._point_at_reindex(prefix)
            else:
                await index._add_new_fields()
        except BaseException:
            await index.close()
            raise
        return index

    async def _create_if_absent(self) -> bool:
        """Whether this call created the index."""
        if await self._client.indices.exists(index=self.name):
            return False
        try:
            await self._client.indices.create(index=self.name, body=index_definition())
        except RequestError as exc:  # another replica created it in between
            if exc.error != "resource_already_exists_exception":
                raise
            return False
        return True

    async def _add_new_fields(self) -> None:
        """Map the fields added since the index was created (idempotent)."""
        await self._client.indices.put_mapping(index=self.name, body={"properties": ADDED_FIELDS})

    async def _point_at_reindex(self, prefix: str) -> None:
        """A new layout starts empty: say so when an index of an earlier one exists."""
        for old in legacy_index_names(prefix):
            if await self._client.indices.exists(index=old):
                log.warning(
                    "search index %s created empty beside %s (an earlier layout):"
                    " run `bureau search reindex`, then delete %s",
                    self.name,
                    old,
                    old,
                )

    async def upsert(self, doc: IndexDocument) -> None:
        await self._client.update(
            index=self.name,
            id=_doc_id(doc.account_id, doc.message_id),
            body={
                "scripted_upsert": True,
                "script": {
                    "lang": "painless",
                    "source": _UPSERT,
                    "params": {"doc": doc.model_dump(mode="json"), "modseq": doc.modseq},
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
        tags: list[str],
        modseq: int,
    ) -> bool:
        params = {
            "folder_id": folder_id,
            "unread": unread,
            "flagged": flagged,
            "tags": list(tags),
            "modseq": modseq,
        }
        try:
            response = await self._client.update(
                index=self.name,
                id=_doc_id(account_id, message_id),
                body={"script": {"lang": "painless", "source": _UPDATE_STATE, "params": params}},
                routing=account_id,
                retry_on_conflict=_RETRIES,
            )
        except NotFoundError:
            return False  # not indexed (yet): the caller indexes the whole message
        return bool(response.get("result") != "deleted")  # deleted: an old tombstone

    async def delete(self, account_id: str, message_id: str, *, modseq: int) -> None:
        tombstone = {
            "tombstone_of": account_id,
            "message_id": message_id,
            "modseq": modseq,
            "removed_at": datetime.now(UTC).isoformat(),
        }
        await self._client.update(
            index=self.name,
            id=_doc_id(account_id, message_id),
            body={
                "scripted_upsert": True,
                "script": {
                    "lang": "painless",
                    "source": _DELETE,
                    "params": {"tombstone": tombstone, "modseq": modseq},
                },
                "upsert": {},
            },
            routing=account_id,
            retry_on_conflict=_RETRIES,
        )

    async def prune_tombstones(self, before: datetime) -> int:
        response = await self._client.delete_by_query(
            index=self.name,
            body={
                "query": {
                    "bool": {
                        "filter": [
                            {"exists": {"field": "tombstone_of"}},
                            {"range": {"removed_at": {"lt": before.astimezone(UTC).isoformat()}}},
                        ]
                    }
                }
            },
            # A tombstone replaced meanwhile (the message stored again) is not one any more.
            conflicts="proceed",
            request_timeout=_CLEAR_TIMEOUT,
        )
        return int(response.get("deleted", 0))

    async def clear(self, account_id: str) -> None:
        """Remove every entry and tombstone of the account (before re-indexing it)."""
        await self._client.delete_by_query(
            index=self.name,
            body={"query": account_entries(account_id)},
            routing=account_id,
            # An entry changed meanwhile is newer than the snapshot being deleted: keep it.
            conflicts="proceed",
            request_timeout=_CLEAR_TIMEOUT,
        )

    async def search(
        self,
        account_id: str,
        query: Node,
        *,
        limit: int = MAX_RESULTS,
        offset: int = 0,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> SearchResults:
        body = search_body(account_id, query, limit=limit, offset=offset, sort=sort)
        response = await self._client.search(index=self.name, body=body, routing=account_id)
        hits = response["hits"]
        return SearchResults(
            items=[hit_of(h) for h in hits["hits"]], total=int(hits["total"]["value"])
        )

    async def count(self, account_id: str) -> int:
        response = await self._client.count(
            index=self.name, body={"query": account_filter(account_id)}, routing=account_id
        )
        return int(response["count"])

    async def refresh(self) -> None:
        """Make every write so far searchable now, instead of within the refresh interval."""
        await self._client.indices.refresh(index=self.name)

    async def ping(self) -> None:
        if not await self._client.ping():
            raise ConnectionError("OpenSearch does not answer")

    async def close(self) -> None:
        await self._client.close()


def account_entries(account_id: str) -> dict[str, Any]:
    """The account's documents, tombstones included."""
    return {
        "bool": {
            "should": [account_filter(account_id), {"term": {"tombstone_of": account_id}}],
            "minimum_should_match": 1,
        }
    }


def _doc_id(account_id: str, message_id: str) -> str:
    return f"{account_id}:{message_id}"
