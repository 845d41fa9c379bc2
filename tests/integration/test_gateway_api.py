"""The HTTP API end to end, on the real SQLite mailbox, file blob store and FTS5 index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway

HOSTILE_HTML = (
    "<html><head><title>Promo</title><style>body{background:url(http://t.example/s)}</style>"
    "</head><body><p onclick='steal()'>Dear Alice, <b>hello</b></p>"
    "<script>alert('x')</script>"
    '<img src="http://tracker.example/pixel.gif" onerror="alert(1)" alt="pixel">'
    '<img src="cid:logo@x"><img src="data:image/png;base64,iVBORw0KGgo=">'
    '<form action="https://phish.example/"><input name="password"><button>Log in</button></form>'
    '<a href="https://example.org/offer">offer</a><a href="javascript:alert(1)">js</a>'
    "</body></html>"
)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def get_json(world: World, path: str, headers: dict[str, str], status: int = 200) -> Any:
    resp = await world.client.get(path, headers=headers)
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    return await resp.json()


async def test_folders_list_system_folders_with_counts(world: World) -> None:
    for n in range(3):
        await world.deliver(world.alice, make_raw(subject=f"note {n}"))
    await world.deliver(world.alice, make_raw(subject="sent one"), role=FolderRole.SENT)
    await world.deliver(world.bob, make_raw(subject="for bob"))

    folders = await get_json(world, "/api/v1/folders", await world.auth())

    by_role = {f["role"]: f for f in folders}
    assert set(by_role) == {role.value for role in FolderRole}
    assert (by_role["inbox"]["total"], by_role["inbox"]["unread"]) == (3, 3)
    assert (by_role["sent"]["total"], by_role["trash"]["total"]) == (1, 0)
    assert set(folders[0]) == {"id", "name", "role", "parent_id", "total", "unread", "unread_below"}
    assert by_role["inbox"]["name"] == "Inbox" and by_role["inbox"]["parent_id"] is None


async def test_folder_messages_newest_first_in_pages(world: World) -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for n in range(5):
        raw = make_raw(subject=f"day {n}", date=start + timedelta(days=n))
        await world.deliver(world.alice, raw)
    auth = await world.auth()
    inbox = (await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)).id
    path = f"/api/v1/folders/{inbox}/messages"

    first = await get_json(world, f"{path}?per_page=2", auth)
    second = await get_json(world, f"{path}?page=2&per_page=2", auth)
    last = await get_json(world, f"{path}?page=3&per_page=2", auth)
    beyond = await get_json(world, f"{path}?page=9&per_page=2", auth)
    everything = await get_json(world, path, auth)

    assert [m["subject"] for m in first["items"]] == ["day 4", "day 3"]
    assert [m["subject"] for m in second["items"]] == ["day 2", "day 1"]
    assert [m["subject"] for m in last["items"]] == ["day 0"]
    assert beyond["items"] == [] and beyond["total"] == 5
    assert first["total"] == 5 and len(everything["items"]) == 5
    item = first["items"][0]
    assert item["from"] == "Bob Martin <bob@example.net>"
    assert item["from_address"] == {"name": "Bob Martin", "address": "bob@example.net"}
    assert item["to"] == ["alice@example.test"]
    assert item["date"].startswith("2026-03-05T09:00:00")
    assert item["unread"] is True and item["flagged"] is False
    assert item["has_attachments"] is False and item["size"] > 0 and item["thread_id"]


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=501", "page=abc"])
async def test_folder_messages_bad_paging_is_400(world: World, query: str) -> None:
    inbox = (await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)).id
    path = f"/api/v1/folders/{inbox}/messages?{query}"
    body = await get_json(world, path, await world.auth(), status=400)
    assert body["error"]["code"] == "invalid_query"
    assert query.split("=")[0] in body["error"]["message"]


async def test_message_details_with_sanitised_html_and_attachments(world: World) -> None:
    raw = make_raw(
        subject="Offer inside",
        body="plain words\n",
        html=HOSTILE_HTML,
        attachment=("figures.bin", b"\x00\x01\x02" * 100),
    )
    message_id = await world.deliver(world.alice, raw)

    msg = await get_json(world, f"/api/v1/messages/{message_id}", await world.auth())

    assert msg["id"] == message_id and msg["subject"] == "Offer inside"
    assert msg["from"] == "Bob Martin <bob@example.net>" and msg["to"] == ["alice@example.test"]
    assert msg["cc"] == [] and msg["unread"] is True and msg["flagged"] is False
    assert msg["text"].splitlines() == ["plain words"]
    assert ["Subject", "Offer inside"] in msg["headers"]
    assert msg["attachments"] == [
        {
            "part": "2",
            "filename": "figures.bin",
            "content_type": "application/octet-stream",
            "size": 300,
        }
    ]
    html = msg["html"]
    assert "<b>hello</b>" in html and "Dear Alice" in html
    for gone in (
        "<script",
        "alert",
        "onclick",
        "onerror",
        "<form",
        "<input",
        "password",
        "tracker.example",
        "cid:",
        "data:",
        "<style",
        "url(",
        "javascript",
        "Promo",
    ):
        assert gone not in html, gone
    assert '<img alt="pixel">' in html
    assert '<a href="https://example.org/offer" target="_blank" rel="noopener noreferrer">' in html
    for key in ("received_at", "date", "thread_id", "folder_id", "size"):
        assert msg[key]


async def test_raw_message_is_the_original_bytes(world: World) -> None:
    raw = make_raw(subject="raw", html="<p>x</p>", attachment=("a.bin", bytes(range(256))))
    message_id = await world.deliver(world.alice, raw)

    resp = await world.client.get(f"/api/v1/messages/{message_id}/raw", headers=await world.auth())

    assert resp.status == 200
    assert resp.content_type == "message/rfc822"
    assert await resp.read() == raw
    assert resp.headers["Content-Disposition"].startswith("attachment")


async def test_search_hits_and_misses(world: World) -> None:
    wanted = await world.deliver(world.alice, make_raw(subject="Invoice for the zeppelin"))
    await world.deliver(world.alice, make_raw(subject="Lunch"))
    await world.deliver(world.bob, make_raw(subject="Bob's zeppelin"))
    auth = await world.auth()

    hit = await get_json(world, "/api/v1/search?q=zeppelin", auth)
    miss = await get_json(world, "/api/v1/search?q=submarine", auth)

    assert hit["total"] == 1
    assert [i["id"] for i in hit["items"]] == [wanted]
    item = hit["items"][0]
    assert item["subject"] == "Invoice for the zeppelin"
    assert item["from"] == "Bob Martin <bob@example.net>"
    assert item["folder_id"] and item["date"]
    assert item["folder_name"] == "Inbox"
    assert miss == {"items": [], "total": 0, "capped": False}


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?q=x&limit=0", "?q=x&offset=-1"])
async def test_search_needs_words_and_sane_paging(world: World, query: str) -> None:
    body = await get_json(world, f"/api/v1/search{query}", await world.auth(), status=400)
    assert body["error"]["code"] == "invalid_query"


async def test_another_accounts_ids_are_not_found(world: World) -> None:
    message_id = await world.deliver(world.alice, make_raw(subject="private"))
    alice_inbox = (await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)).id
    bob = await world.auth(BOB)

    paths = [
        f"/api/v1/messages/{message_id}",
        f"/api/v1/messages/{message_id}/raw",
        f"/api/v1/folders/{alice_inbox}/messages",
    ]
    answers = [await get_json(world, path, bob, status=404) for path in paths]
    unknown = await get_json(world, "/api/v1/messages/nope", bob, status=404)

    # Someone else's id and an id that never existed are indistinguishable.
    assert all(answer == unknown for answer in answers)
    assert unknown == {"error": {"code": "not_found", "message": "no such resource"}}


async def test_openapi_document_lists_every_route(world: World) -> None:
    doc = await get_json(world, "/api/v1/openapi.json", {})

    assert doc["openapi"].startswith("3.1")
    routes = {
        (route.resource.canonical, route.method.lower())
        for route in world.client.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    schemas = doc["components"]["schemas"]
    for name in (
        "MessageDetail",
        "MessagePage",
        "FolderList",
        "SearchPage",
        "LoginRequest",
        "SessionToken",
        "ErrorResponse",
    ):
        assert name in schemas
    assert "from" in schemas["MessageItem"]["properties"]
    # Every reference points at a component that exists.
    refs = _refs(doc)
    assert refs and all(ref.removeprefix("#/components/schemas/") in schemas for ref in refs)
    folders_op = doc["paths"]["/api/v1/folders"]["get"]
    assert "401" in folders_op["responses"] and folders_op["security"]
    upload = doc["paths"]["/api/v1/uploads"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["required"] == ["file"]
    assert "SendRequest" in schemas and "from" in schemas["CompositionOut"]["properties"]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


async def test_health_and_readiness(world: World) -> None:
    assert await get_json(world, "/healthz", {}) == {"status": "ok"}
    assert await get_json(world, "/readyz", {}) == {"status": "ok"}
