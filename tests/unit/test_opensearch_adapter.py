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
from services.search.adapters.opensearch_mapping import index_definition, index_name
from services.search.adapters.opensearch_search import search_body
from shared.ports.index import IndexDocument, SearchSort
from shared.query import Word

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


async def test_open_leaves_an_existing_index_alone(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "services.search.adapters.opensearch.AsyncOpenSearch",
        lambda hosts, **options: _client(server),
    )
    await (await OpenSearchIndex.open("http://fake:9200", "bureau")).close()
    assert [(r.method, r.path) for r in server.requests] == [("HEAD", f"/{NAME}")]


async def test_open_accepts_a_replica_creating_the_index_first(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.answer = lambda r: (
        _error("resource_already_exists_exception", 400) if r.method == "PUT" else (404, {})
    )
    monkeypatch.setattr(
        "services.search.adapters.opensearch.AsyncOpenSearch",
        lambda hosts, **options: _client(server),
    )
    await (await OpenSearchIndex.open("http://fake:9200", "bureau")).close()
    assert server.last("PUT").path == f"/{NAME}"


async def test_upsert_sends_the_whole_document_under_the_modseq_guard(
    index: OpenSearchIndex, server: Server
) -> None:
    await index.upsert(_doc())
    request = server.last("POST")
    assert request.path == f"/{NAME}/_update/acc1%3Am1"
    assert request.params == {"routing": b"acc1", "retry_on_conflict": "5"}
    script = request.body["script"]
    assert "params.doc.modseq" in script["source"]
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
    assert "ctx._source.modseq > params.modseq" in script["source"]


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
    assert clear.body == {"query": {"term": {"account_id": "acc1"}}}
    assert clear.params == {"routing": b"acc1", "conflicts": b"proceed"}
    assert clear.timeout == 300


async def test_deleting_twice_is_not_an_error(index: OpenSearchIndex, server: Server) -> None:
    server.answer = lambda r: _error("not_found", 404)
    await index.delete("acc1", "m1")
    request = server.last("DELETE")
    assert request.path == f"/{NAME}/_doc/acc1%3Am1" and request.params == {"routing": b"acc1"}
