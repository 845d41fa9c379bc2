"""The OpenSearch adapter's requests, through opensearch-py's real client and transport
down to a fake connection: method names, parameters and bodies are the installed
client's, only the server is missing."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from opensearchpy import AsyncOpenSearch
from opensearchpy._async.http_aiohttp import AsyncConnection

from services.search.adapters.opensearch import OpenSearchIndex
from services.search.adapters.opensearch_mapping import (
    ADDED_FIELDS,
    index_definition,
    index_name,
)
from services.search.adapters.opensearch_search import search_body
from shared.mail.query import Word
from shared.ports.index import IndexDocument, SearchSort

Reply = tuple[int, dict[str, Any]]
NAME = index_name("bureau")


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, Any]
    body: Any
    timeout: float | None


@dataclass
class Server:
    """Answers each request with `answer(request)`; remembers them all."""

    answer: Callable[[Request], Reply] = lambda request: (200, {})
    requests: list[Request] = field(default_factory=list)

    def last(self, method: str) -> Request:
        return [r for r in self.requests if r.method == method][-1]


class FakeConnection(AsyncConnection):
    def __init__(self, server: Server, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.server = server

    async def perform_request(
        self,
        method: str,
        url: str,
        params: Any = None,
        body: bytes | None = None,
        timeout: float | None = None,
        ignore: Any = (),
        headers: Any = None,
    ) -> tuple[int, dict[str, str], str]:
        request = Request(
            method, url, dict(params or {}), json.loads(body) if body else None, timeout
        )
        self.server.requests.append(request)
        status, reply = self.server.answer(request)
        raw = json.dumps(reply)
        if status >= 300 and status not in ignore:
            self._raise_error(status, raw, "application/json")
        return status, {"content-type": "application/json"}, raw

    async def close(self) -> None:
        return None


def _client(server: Server) -> AsyncOpenSearch:
    return AsyncOpenSearch(
        hosts=[{"host": "fake", "server": server}], connection_class=FakeConnection
    )


@pytest.fixture
async def server() -> Server:
    return Server()


@pytest.fixture
async def index(server: Server) -> AsyncIterator[OpenSearchIndex]:
    index = OpenSearchIndex(_client(server), NAME)
    yield index
    await index.close()


def _error(kind: str, status: int) -> Reply:
    return status, {"error": {"type": kind, "reason": kind}, "status": status}


def _doc(**fields: Any) -> IndexDocument:
    return IndexDocument.model_validate(
        {
            "account_id": "acc1",
            "message_id": "m1",
            "folder_id": "inbox",
            "subject": "Budget",
            "body": "the annual budget",
            "attachment_text": "ledger totals",
            "tags": ["urgent"],
            "date": datetime(2026, 1, 1, tzinfo=UTC),
            "modseq": 7,
            **fields,
        }
    )


async def test_open_creates_the_versioned_index(
    server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    existing = {"/bureau-messages"}  # an index of the earlier layout
    server.answer = lambda r: (404 if r.method == "HEAD" and r.path not in existing else 200, {})
    monkeypatch.setattr(
        "services.search.adapters.opensearch.AsyncOpenSearch",
        lambda hosts, **options: _client(server),
    )
    with caplog.at_level(logging.WARNING):
        index = await OpenSearchIndex.open("http://fake:9200", "bureau")
    await index.close()
    create = server.last("PUT")
    assert create.path == f"/{NAME}" and create.body == index_definition()
    assert "bureau search reindex" in caplog.text


async def test_open_maps_the_added_fields_of_an_existing_index(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "services.search.adapters.opensearch.AsyncOpenSearch",
        lambda hosts, **options: _client(server),
    )
    await (await OpenSearchIndex.open("http://fake:9200", "bureau")).close()
    assert [(r.method, r.path) for r in server.requests] == [
        ("HEAD", f"/{NAME}"),
        ("PUT", f"/{NAME}/_mapping"),
    ]
    assert server.last("PUT").body == {"properties": ADDED_FIELDS}
    assert ADDED_FIELDS.items() <= index_definition()["mappings"]["properties"].items()


async def test_open_accepts_a_replica_creating_the_index_first(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer(request: Request) -> Reply:
        if request.path.endswith("/_mapping"):
            return 200, {"acknowledged": True}
        if request.method == "PUT":
            return _error("resource_already_exists_exception", 400)
        return 404, {}

    server.answer = answer
    monkeypatch.setattr(
        "services.search.adapters.opensearch.AsyncOpenSearch",
        lambda hosts, **options: _client(server),
    )
    await (await OpenSearchIndex.open("http://fake:9200", "bureau")).close()
    puts = [r.path for r in server.requests if r.method == "PUT"]
    assert puts == [f"/{NAME}", f"/{NAME}/_mapping"]  # the replica's index may be older


async def test_upsert_sends_the_whole_document_under_the_modseq_guard(
    index: OpenSearchIndex, server: Server
) -> None:
    await index.upsert(_doc())
    request = server.last("POST")
    assert request.path == f"/{NAME}/_update/acc1%3Am1"
    assert request.params == {"routing": b"acc1", "retry_on_conflict": "5"}
    script = request.body["script"]
    assert "m > params.modseq" in script["source"] and script["params"]["modseq"] == 7
    assert "ctx._source.tombstone_of != null" in script["source"]  # a tombstone wins
    sent = script["params"]["doc"]
    assert (sent["tags"], sent["attachment_text"], sent["modseq"]) == (
        ["urgent"],
        "ledger totals",
        7,
    )
    assert request.body["scripted_upsert"] is True


async def test_update_state_sets_tags_under_the_modseq_guard(
    index: OpenSearchIndex, server: Server
) -> None:
    await index.update_state(
        "acc1", "m1", folder_id="archive", unread=False, flagged=True, tags=["a", "b"], modseq=9
    )
    request = server.last("POST")
    assert request.path == f"/{NAME}/_update/acc1%3Am1"
    script = request.body["script"]
    assert script["params"] == {
        "folder_id": "archive",
        "unread": False,
        "flagged": True,
        "tags": ["a", "b"],
        "modseq": 9,
    }
    assert "ctx._source.tags = params.tags" in script["source"]
    assert "m > params.modseq" in script["source"]


@pytest.mark.parametrize(
    ("result", "handled"), [("updated", True), ("noop", True), ("deleted", False)]
)
async def test_update_state_says_whether_the_message_needs_indexing(
    index: OpenSearchIndex, server: Server, result: str, handled: bool
) -> None:
    # noop: a newer state or a newer tombstone; deleted: an older tombstone, the message
    # stored again since, to be indexed whole.
    server.answer = lambda r: (200, {"result": result})
    assert (
        await index.update_state(
            "acc1", "m1", folder_id="inbox", unread=True, flagged=False, tags=[], modseq=2
        )
        is handled
    )


async def test_update_state_of_a_message_not_indexed_yet_is_ignored(
    index: OpenSearchIndex, server: Server
) -> None:
    server.answer = lambda r: _error("document_missing_exception", 404)
    await index.update_state(
        "acc1", "m1", folder_id="inbox", unread=True, flagged=False, tags=[], modseq=2
    )


async def test_search_sends_the_compiled_request_routed_by_account(
    index: OpenSearchIndex, server: Server
) -> None:
    hit = {
        "_score": None,
        "_source": {
            "message_id": "m1",
            "folder_id": "inbox",
            "subject": "Budget",
            "sender": "Bob",
            "date": "2026-01-01T00:00:00Z",
        },
        "highlight": {"body": ["the annual <mark>budget</mark>"]},
    }
    server.answer = lambda r: (200, {"hits": {"total": {"value": 42}, "hits": [hit]}})
    found = await index.search("acc1", Word("budget"), limit=5, offset=10, sort=SearchSort.DATE)
    request = server.last("POST")
    assert request.path == f"/{NAME}/_search" and request.params == {"routing": b"acc1"}
    expected = search_body("acc1", Word("budget"), limit=5, offset=10, sort=SearchSort.DATE)
    assert request.body == expected
    assert found.total == 42
    assert [(h.message_id, h.snippet) for h in found.items] == [
        ("m1", "the annual <mark>budget</mark>")
    ]


async def test_count_and_clear_stay_inside_the_account(
    index: OpenSearchIndex, server: Server
) -> None:
    server.answer = lambda r: (200, {"count": 3} if r.path.endswith("_count") else {})
    assert await index.count("acc1") == 3
    count = server.last("POST")
    assert count.body == {"query": {"term": {"account_id": "acc1"}}}
    assert count.params == {"routing": b"acc1"}
    await index.clear("acc1")
    clear = server.last("POST")
    assert clear.path == f"/{NAME}/_delete_by_query"
    assert clear.body == {
        "query": {
            "bool": {
                "should": [
                    {"term": {"account_id": "acc1"}},
                    {"term": {"tombstone_of": "acc1"}},
                ],
                "minimum_should_match": 1,
            }
        }
    }
    assert clear.params == {"routing": b"acc1", "conflicts": b"proceed"}
    assert clear.timeout == 300


async def test_delete_leaves_a_tombstone_with_the_removals_modseq(
    index: OpenSearchIndex, server: Server
) -> None:
    await index.delete("acc1", "m1", modseq=12)
    request = server.last("POST")
    assert request.path == f"/{NAME}/_update/acc1%3Am1"
    assert request.params == {"routing": b"acc1", "retry_on_conflict": "5"}
    assert request.body["scripted_upsert"] is True and request.body["upsert"] == {}
    params = request.body["script"]["params"]
    tombstone = params["tombstone"]
    assert params["modseq"] == 12 and tombstone["modseq"] == 12
    assert (tombstone["tombstone_of"], tombstone["message_id"]) == ("acc1", "m1")
    assert "account_id" not in tombstone  # so account-filtered queries never see it
    assert datetime.fromisoformat(tombstone["removed_at"]) <= datetime.now(UTC)


async def test_prune_deletes_old_tombstones_of_every_account(
    index: OpenSearchIndex, server: Server
) -> None:
    server.answer = lambda r: (200, {"deleted": 4})
    assert await index.prune_tombstones(datetime(2026, 1, 1, tzinfo=UTC)) == 4
    request = server.last("POST")
    assert request.path == f"/{NAME}/_delete_by_query"
    assert request.params == {"conflicts": b"proceed"}
    assert request.body == {
        "query": {
            "bool": {
                "filter": [
                    {"exists": {"field": "tombstone_of"}},
                    {"range": {"removed_at": {"lt": "2026-01-01T00:00:00+00:00"}}},
                ]
            }
        }
    }
