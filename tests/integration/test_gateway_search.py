"""`GET /api/v1/search` with the search language, on the real FTS5 index and SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.model import Account, FolderRole
from shared.ports import IndexDocument
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def get_json(world: World, path: str, headers: dict[str, str], status: int = 200) -> Any:
    resp = await world.client.get(path, headers=headers)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def index(
    world: World, account: Account, message_id: str, *, folder_id: str = "", **fields: Any
) -> None:
    """A document straight into the index (no message behind it: search never reads one)."""
    if not folder_id:
        folder_id = (await world.mailbox.folder_by_role(account.id, FolderRole.INBOX)).id
    fields.setdefault("date", START)
    await world.index.upsert(
        IndexDocument(account_id=account.id, message_id=message_id, folder_id=folder_id, **fields)
    )


async def test_hits_carry_a_snippet_a_score_and_their_folder(world: World) -> None:
    wanted = await world.deliver(
        world.alice,
        make_raw(subject="Timetable", body="The Zeppelin leaves at noon <b>sharp</b>.\n"),
    )
    await world.deliver(world.alice, make_raw(subject="Lunch", body="Soup at noon.\n"))
    auth = await world.auth()

    page = await get_json(world, "/api/v1/search?q=zeppelin", auth)

    assert (page["total"], page["capped"]) == (1, False)
    [item] = page["items"]
    assert item["id"] == wanted
    assert item["folder_name"] == "Inbox"
    assert item["subject"] == "Timetable" and item["from"] == "Bob Martin <bob@example.net>"
    assert "<mark>Zeppelin</mark>" in item["snippet"]
    assert "&lt;b&gt;sharp" in item["snippet"]  # the mail's own markup is only text
    assert isinstance(item["score"], float) and item["score"] > 0
    assert await world.mailbox.recent_searches(world.alice.id) == ["zeppelin"]


@pytest.mark.parametrize(
    ("q", "position", "problem"),
    [
        ("inf*", 0, "at least 4 characters"),
        ("budget inf*", 7, "at least 4 characters"),
        ('budget "exact phrase', 7, "unclosed quote"),
    ],
)
async def test_syntax_errors_say_where(world: World, q: str, position: int, problem: str) -> None:
    resp = await world.client.get("/api/v1/search", params={"q": q}, headers=await world.auth())

    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_query"
    assert error["position"] == position
    assert problem in error["message"]
    assert error["message"].endswith(f"at position {position}")
    assert await world.mailbox.recent_searches(world.alice.id) == []  # failures are forgotten


async def test_other_errors_have_no_position(world: World) -> None:
    body = await get_json(world, "/api/v1/search?q=x&limit=0", await world.auth(), status=400)
    assert set(body["error"]) == {"code", "message"}


async def test_sort_by_relevance_or_by_date(world: World) -> None:
    await index(world, world.alice, "old-best", subject="quokka quokka", body="quokka", date=START)
    await index(
        world,
        world.alice,
        "newest",
        body="a long letter that mentions a quokka once among many other words",
        date=START + timedelta(days=2),
    )
    await index(world, world.alice, "middle", body="quokka sighted", date=START + timedelta(1))
    await index(world, world.alice, "unrelated", body="wombat", date=START + timedelta(days=3))
    auth = await world.auth()

    by_relevance = await get_json(world, "/api/v1/search?q=quokka", auth)
    by_date = await get_json(world, "/api/v1/search?q=quokka&sort=date", auth)

    assert by_relevance["items"][0]["id"] == "old-best"
    scores = [item["score"] for item in by_relevance["items"]]
    assert scores == sorted(scores, reverse=True)
    assert [item["id"] for item in by_date["items"]] == ["newest", "middle", "old-best"]
    assert by_date["total"] == by_relevance["total"] == 3


async def test_at_most_200_results_the_most_relevant(world: World) -> None:
    for n in range(200):
        await index(world, world.alice, f"strong-{n}", subject=f"walrus {n}", body="walrus")
    filler = " ".join(f"word{k}" for k in range(80))
    for n in range(10):
        await index(world, world.alice, f"weak-{n}", body=f"{filler} walrus {filler}")
    auth = await world.auth()

    page = await get_json(world, "/api/v1/search?q=walrus&limit=200", auth)
    tail = await get_json(world, "/api/v1/search?q=walrus&offset=150&limit=50", auth)

    assert (page["total"], page["capped"], len(page["items"])) == (210, True, 200)
    assert all(item["id"].startswith("strong-") for item in page["items"])
    assert [item["id"] for item in tail["items"]] == [i["id"] for i in page["items"][150:]]


@pytest.mark.parametrize(
    ("paging", "field"),
    [("limit=201", "limit"), ("offset=150&limit=51", "offset"), ("offset=200", "offset")],
)
async def test_no_page_beyond_the_200th_result(world: World, paging: str, field: str) -> None:
    body = await get_json(world, f"/api/v1/search?q=walrus&{paging}", await world.auth(), 400)
    assert body["error"]["code"] == "invalid_query"
    assert body["error"]["message"].startswith(f"{field}:")


async def test_folder_by_name_path_or_role(world: World) -> None:
    projects = await world.mailbox.create_folder(world.alice.id, "Projects", None)
    alpha = await world.mailbox.create_folder(world.alice.id, "Älpha", projects.id)
    await index(world, world.alice, "in-inbox", subject="zeppelin")
    await index(world, world.alice, "in-projects", subject="zeppelin", folder_id=projects.id)
    await index(world, world.alice, "in-alpha", subject="zeppelin", folder_id=alpha.id)
    auth = await world.auth()

    async def ids(q: str) -> list[str]:
        resp = await world.client.get("/api/v1/search", params={"q": q}, headers=auth)
        assert resp.status == 200, await resp.text()
        return sorted(item["id"] for item in (await resp.json())["items"])

    assert await ids("zeppelin folder:projects") == ["in-projects"]
    assert await ids('zeppelin folder:"projects/alpha"') == ["in-alpha"]
    assert await ids("zeppelin folder:ALPHA") == ["in-alpha"]
    assert await ids("zeppelin folder:inbox") == ["in-inbox"]
    assert await ids("zeppelin -folder:inbox") == ["in-alpha", "in-projects"]
    assert await ids("zeppelin folder:nowhere") == []
    page = await get_json(world, "/api/v1/search?q=folder:projects", auth)
    assert page["items"][0]["folder_name"] == "Projects"


async def test_another_account_never_sees_anything(world: World) -> None:
    projects = await world.mailbox.create_folder(world.alice.id, "Projects", None)
    await index(world, world.alice, "alices", subject="zeppelin", folder_id=projects.id)
    await get_json(world, "/api/v1/search?q=zeppelin", await world.auth())
    bob = await world.auth(BOB)
    assert await get_json(world, "/api/v1/search/recent", bob) == {"items": []}

    for q in ("zeppelin", "folder:projects", "zeppelin folder:inbox", "tag:urgent OR zeppelin"):
        resp = await world.client.get("/api/v1/search", params={"q": q}, headers=bob)
        assert resp.status == 200
        assert await resp.json() == {"items": [], "total": 0, "capped": False}
    assert await world.mailbox.recent_searches(world.alice.id) == ["zeppelin"]
