"""`POST /api/v1/search` (the advanced form, F29) and `GET /search/recent` (F32)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def post(
    world: World, body: Any, auth: dict[str, str], *, query: str = "", status: int = 200
) -> Any:
    resp = await world.client.post(f"/api/v1/search{query}", json=body, headers=auth)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def recent(world: World, auth: dict[str, str]) -> list[str]:
    resp = await world.client.get("/api/v1/search/recent", headers=auth)
    assert resp.status == 200, await resp.text()
    items = (await resp.json())["items"]
    assert isinstance(items, list)
    return items


async def test_the_form_finds_and_is_remembered_as_a_line_get_can_rerun(world: World) -> None:
    wanted = await world.deliver(world.alice, make_raw(subject="Zeppelin invoice"))
    await world.deliver(
        world.alice, make_raw(sender="Carol <carol@example.org>", subject="Zeppelin lunch")
    )
    await world.deliver(world.alice, make_raw(subject="Other invoice"))
    auth = await world.auth()

    page = await post(world, {"from": "bob", "subject": "zeppelin", "unread": True}, auth)

    assert [item["id"] for item in page["items"]] == [wanted]
    assert (page["total"], page["capped"]) == (1, False)
    item = page["items"][0]
    assert item["folder_name"] == "Inbox" and "score" in item and "snippet" in item
    line = 'from:"bob" subject:"zeppelin" is:unread'
    assert await recent(world, auth) == [line]
    resp = await world.client.get("/api/v1/search", params={"q": line}, headers=auth)
    assert [item["id"] for item in (await resp.json())["items"]] == [wanted]


async def test_folder_id_is_remembered_by_name_and_paging_applies(world: World) -> None:
    start = START
    for n in range(3):
        await world.deliver(
            world.alice, make_raw(subject=f"report {n}", date=start + timedelta(days=n))
        )
    await world.deliver(world.alice, make_raw(subject="report sent"), role=FolderRole.SENT)
    inbox = await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)
    auth = await world.auth()

    page = await post(
        world,
        {"words": "report", "folder_id": inbox.id, "exclude": "sent"},
        auth,
        query="?sort=date&limit=2&offset=1",
    )

    assert page["total"] == 3
    assert [item["subject"] for item in page["items"]] == ["report 1", "report 0"]
    assert await recent(world, auth) == ["report folder:Inbox -sent"]


async def test_a_folder_id_of_another_account_finds_nothing(world: World) -> None:
    await world.deliver(world.alice, make_raw(subject="private report"))
    alices_inbox = await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)
    bob = await world.auth(BOB)

    page = await post(world, {"words": "report", "folder_id": alices_inbox.id}, bob)

    assert page == {"items": [], "total": 0, "capped": False}
    assert await recent(world, bob) == []  # a folder it cannot name is no line to re-run


@pytest.mark.parametrize(
    ("body", "code", "starts"),
    [
        ({"unread": "maybe"}, "invalid_field", "unread:"),
        ({"frm": "bob"}, "invalid_field", "frm:"),
        ({"before": "2026-13-01"}, "invalid_field", "before:"),
        ({"larger": -1}, "invalid_field", "larger:"),
        ({}, "invalid_query", "empty query"),
        ({"subject": "  "}, "invalid_query", "empty query"),
        ({"exclude": "lunch"}, "invalid_query", "nothing to match"),
    ],
)
async def test_a_bad_form_is_a_400_naming_the_field(
    world: World, body: dict[str, Any], code: str, starts: str
) -> None:
    auth = await world.auth()
    error = (await post(world, body, auth, status=400))["error"]
    assert error["code"] == code
    assert error["message"].startswith(starts)
    assert await recent(world, auth) == []


async def test_a_syntax_error_in_words_says_where(world: World) -> None:
    error = (await post(world, {"words": 'tax "refund'}, await world.auth(), status=400))["error"]
    assert error == {
        "code": "invalid_query",
        "message": "words: unclosed quote at position 4",
        "position": 4,
    }


async def test_bad_paging_of_the_form_is_a_400(world: World) -> None:
    body = await post(
        world, {"words": "x"}, await world.auth(), query="?offset=199&limit=2", status=400
    )
    assert body["error"]["message"].startswith("offset:")


async def test_recent_searches_keep_the_5_newest_and_move_repeats_first(world: World) -> None:
    auth = await world.auth()

    async def search(q: str) -> None:
        resp = await world.client.get("/api/v1/search", params={"q": q}, headers=auth)
        assert resp.status == 200, await resp.text()

    for q in ("one", "two", "three", "four", "five", "six"):
        await search(q)
    assert await recent(world, auth) == ["six", "five", "four", "three", "two"]

    await search("four")
    await search("  three ")  # remembered as typed, blanks around it aside
    await post(world, {"tag": "urgent"}, auth)
    resp = await world.client.get("/api/v1/search", params={"q": "bad inf*"}, headers=auth)
    assert resp.status == 400

    assert await recent(world, auth) == ["tag:urgent", "three", "four", "six", "five"]
    assert await recent(world, await world.auth(BOB)) == []
    # Search-as-you-type asks not to be remembered.
    params = {"q": "typing", "remember": "false"}
    resp = await world.client.get("/api/v1/search", params=params, headers=auth)
    assert resp.status == 200
    assert await recent(world, auth) == ["tag:urgent", "three", "four", "six", "five"]
