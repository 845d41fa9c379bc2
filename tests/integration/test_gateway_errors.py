"""Every error is JSON `{"error": {"code", "message"}}` with the right status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.gateway.app import MAX_BODY, create_app
from shared.ports import SearchResults
from tests.integration.gateway_support import SECRET, World, running_gateway

SESSION = "/api/v1/session"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def error_of(resp: Any, status: int) -> dict[str, str]:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    error: dict[str, str] = body["error"]
    return error


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        (b"{not json", "invalid_json", "JSON"),
        (b"\xff\xfe", "invalid_json", "JSON"),
        (b'["alice@example.test", "pw"]', "invalid_body", "object"),
        (b'"hello"', "invalid_body", "object"),
        (b'{"address": "alice@example.test"}', "invalid_field", "password"),
        (b'{"password": "pw"}', "invalid_field", "address"),
        (b'{"address": "a@b.c", "password": 5}', "invalid_field", "password"),
        (b'{"address": "", "password": "pw"}', "invalid_field", "address"),
    ],
)
async def test_bad_session_bodies_are_400(
    world: World, body: bytes, code: str, mentions: str
) -> None:
    resp = await world.client.post(SESSION, data=body, headers={"Content-Type": "application/json"})
    error = await error_of(resp, 400)
    assert error["code"] == code
    assert mentions in error["message"]


async def test_non_json_content_type_is_415(world: World) -> None:
    resp = await world.client.post(SESSION, data={"address": "a@b.c", "password": "pw"})
    assert (await error_of(resp, 415))["code"] == "unsupported_media_type"


async def test_oversized_body_is_413(world: World) -> None:
    body = b'{"address": "' + b"a" * (MAX_BODY + 1) + b'", "password": "x"}'
    resp = await world.client.post(SESSION, data=body, headers={"Content-Type": "application/json"})
    assert (await error_of(resp, 413))["code"] == "payload_too_large"


async def test_unknown_route_is_json_404(world: World) -> None:
    for path in ("/api/v1/nothing-here", "/", "/api/v2/folders"):
        resp = await world.client.get(path)
        assert (await error_of(resp, 404))["code"] == "not_found"


async def test_wrong_method_is_json_405(world: World) -> None:
    resp = await world.client.delete("/api/v1/folders")
    assert (await error_of(resp, 405))["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


async def test_unexpected_failure_is_a_generic_500_and_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenIndex:
        async def search(self, account_id: str, words: str, **_: int) -> SearchResults:
            raise RuntimeError("disk on fire at /secret/path")

    app = create_app(
        mailbox=world.mailbox,
        index=BrokenIndex(),  # type: ignore[arg-type]
        blobs=world.blobs,
        publisher=world.outbox,
        secret=SECRET,
    )
    headers = await world.auth()
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/api/v1/search?q=anything", headers=headers)
        error = await error_of(resp, 500)
    assert error == {"code": "internal", "message": "internal server error"}
    assert "disk on fire" in caplog.text  # for the operator, not for the client


async def test_responses_are_not_cached_or_sniffed(world: World) -> None:
    resp = await world.client.get("/api/v1/folders", headers=await world.auth())
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
