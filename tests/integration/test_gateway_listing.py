"""Folder listings (F19, F55): sorting, the unread filter, paging modes; threads (F20)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.model import AUTO_PAGING_THRESHOLD, FlagChange, FolderRole, Preferences, Selection
from tests.factories import make_raw
from tests.integration.gateway_support import World, running_gateway

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
READ = FlagChange(unread=False)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def get(world: World, path: str, status: int = 200) -> Any:
    resp = await world.client.get(path, headers=await world.auth())
    assert resp.status == status, await resp.text()
    return await resp.json()


async def inbox_path(world: World, what: str = "messages") -> str:
    inbox = await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)
    return f"/api/v1/folders/{inbox.id}/{what}"


async def fill(world: World, count: int) -> list[str]:
    return [
        await world.deliver(
            world.alice, make_raw(subject=f"n{n:03}", date=START + timedelta(minutes=n))
        )
        for n in range(count)
    ]


async def prefer(world: World, **changes: Any) -> None:
    await world.mailbox.set_preferences(world.alice.id, Preferences(**changes))


async def test_sorting_and_unread_filter(world: World) -> None:
    senders = ["Carol <carol@x.test>", "alice@x.test", "Bob <bob@x.test>"]
    ids = []
    for n, sender in enumerate(senders):
        raw = make_raw(
            sender=sender,
            subject=f"{'cba'[n]} topic",
            body="x" * (n * 500),
            date=START + timedelta(days=n),
        )
        ids.append(await world.deliver(world.alice, raw))
    await world.mailbox.set_flags(world.alice.id, Selection.of(ids[1]), READ)
    path = await inbox_path(world)

    def subjects(page: Any) -> list[str]:
        return [item["subject"] for item in page["items"]]

    assert subjects(await get(world, path)) == ["a topic", "b topic", "c topic"]
    assert subjects(await get(world, f"{path}?order=asc")) == ["c topic", "b topic", "a topic"]
    assert subjects(await get(world, f"{path}?sort=subject&order=asc"))[0] == "a topic"
    assert subjects(await get(world, f"{path}?sort=size"))[0] == "a topic"
    by_sender = await get(world, f"{path}?sort=from&order=asc")
    assert [i["from_address"]["address"] for i in by_sender["items"]] == [
        "alice@x.test",
        "bob@x.test",
        "carol@x.test",
    ]
    unread = await get(world, f"{path}?unread=true")
    assert subjects(unread) == ["a topic", "c topic"] and unread["total"] == 2


@pytest.mark.parametrize(
    ("query", "mentions"),
    [("sort=recipient", "sort"), ("order=up", "order"), ("unread=maybe", "unread")],
)
async def test_bad_listing_query_is_400(world: World, query: str, mentions: str) -> None:
    body = await get(world, f"{await inbox_path(world)}?{query}", status=400)
    assert body["error"]["code"] == "invalid_query" and mentions in body["error"]["message"]


async def test_items_carry_tags_comment_and_flags(world: World) -> None:
    message = await world.deliver(world.alice, make_raw(subject="tagged"))
    tag = await world.mailbox.create_tag(world.alice.id, "urgent", "#ff0000")
    await world.mailbox.tag_messages(world.alice.id, Selection.of(message), tag.id, add=True)
    await world.mailbox.set_comment(world.alice.id, message, "call back")

    item = (await get(world, await inbox_path(world)))["items"][0]

    assert item["tags"] == ["urgent"] and item["has_comment"] is True
    assert item["deleted"] is False and item["flagged"] is False and item["folder_id"]


async def test_auto_paging_lists_small_folders_whole(world: World) -> None:
    await fill(world, 7)
    await prefer(world, page_size=5, paging_mode="auto")

    page = await get(world, await inbox_path(world))

    assert len(page["items"]) == 7
    assert (page["total"], page["page"], page["per_page"], page["paginated"]) == (7, 1, 7, False)


async def test_paginated_mode_uses_the_page_size(world: World) -> None:
    await fill(world, 7)
    await prefer(world, page_size=5, paging_mode="paginated")
    path = await inbox_path(world)

    first, second = await get(world, path), await get(world, f"{path}?page=2")
    explicit = await get(world, f"{path}?per_page=3&page=3")

    assert [i["subject"] for i in first["items"]] == ["n006", "n005", "n004", "n003", "n002"]
    assert [i["subject"] for i in second["items"]] == ["n001", "n000"]
    assert (first["per_page"], first["paginated"], second["page"]) == (5, True, 2)
    assert [i["subject"] for i in explicit["items"]] == ["n000"] and explicit["per_page"] == 3


async def test_full_mode_lists_everything(world: World) -> None:
    await fill(world, 12)
    await prefer(world, page_size=5, paging_mode="full")
    page = await get(world, await inbox_path(world))
    assert len(page["items"]) == 12 and page["paginated"] is False


async def test_auto_paging_from_the_threshold(world: World) -> None:
    ids = await fill(world, AUTO_PAGING_THRESHOLD)
    path = await inbox_path(world)

    at_threshold = await get(world, path)
    await world.mailbox.destroy_messages(world.alice.id, Selection.of(ids[0]))
    below = await get(world, path)

    assert at_threshold["paginated"] is True and len(at_threshold["items"]) == 50
    assert at_threshold["total"] == AUTO_PAGING_THRESHOLD
    assert below["paginated"] is False and len(below["items"]) == AUTO_PAGING_THRESHOLD - 1


async def test_threads_group_a_reply_chain(world: World) -> None:
    def at(hours: int) -> datetime:
        return START + timedelta(hours=hours)

    root = make_raw(subject="Plan", message_id="<root@x>", date=at(0))
    reply = make_raw(subject="Re: Plan", message_id="<r1@x>", in_reply_to="<root@x>", date=at(2))
    reply2 = make_raw(subject="Re: Plan", message_id="<r2@x>", in_reply_to="<r1@x>", date=at(5))
    lone = make_raw(subject="Lunch", message_id="<lunch@x>", date=at(3))
    ids = {}
    for name, raw in (("reply2", reply2), ("lone", lone), ("root", root), ("reply", reply)):
        ids[name] = await world.deliver(world.alice, raw)
    await world.mailbox.set_flags(
        world.alice.id, Selection(message_ids=[ids["root"], ids["reply"], ids["reply2"]]), READ
    )

    page = await get(world, await inbox_path(world, "threads"))

    assert page["total"] == 2 and page["paginated"] is False
    plan, lunch = page["items"]  # newest activity first
    assert plan["subject"] == "Plan" and plan["count"] == 3 and plan["unread"] is False
    assert [m["id"] for m in plan["messages"]] == [ids["root"], ids["reply"], ids["reply2"]]
    assert plan["last_date"].startswith("2026-03-01T14:00:00")
    assert lunch["count"] == 1 and lunch["unread"] is True
    assert [m["subject"] for m in lunch["messages"]] == ["Lunch"]
    second = await get(world, f"{await inbox_path(world, 'threads')}?per_page=1&page=2")
    assert [t["subject"] for t in second["items"]] == ["Lunch"] and second["paginated"] is True


async def test_unknown_folder_listing_is_404(world: World) -> None:
    for what in ("messages", "threads"):
        body = await get(world, f"/api/v1/folders/nope/{what}", status=404)
        assert body["error"]["code"] == "not_found"
