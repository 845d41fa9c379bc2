"""Tags (F50), comments (F51), preferences (F18, F20, F55) and the quota gauge (F58)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole, Plan, TagLimits
from tests.factories import make_raw
from tests.integration.gateway_support import World, running_gateway

TAGS = "/api/v1/tags"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def call(world: World, method: str, path: str, *, body: Any = None, status: int = 200) -> Any:
    resp = await world.client.request(method, path, json=body, headers=await world.auth())
    assert resp.status == status, await resp.text()
    return None if status == 204 else await resp.json()


async def new_tag(world: World, name: str = "urgent", color: str = "#D93F0B") -> Any:
    return await call(world, "POST", TAGS, body={"name": name, "color": color}, status=201)


async def test_create_list_recolour_delete(world: World) -> None:
    urgent = await new_tag(world)
    later = await new_tag(world, "later", "#0052cc")

    assert urgent["name"] == "urgent" and urgent["color"] == "#d93f0b"
    listed = await call(world, "GET", TAGS)
    assert {t["name"] for t in listed} == {"urgent", "later"}
    recoloured = await call(world, "PATCH", f"{TAGS}/{urgent['id']}", body={"color": "#00FF00"})
    assert recoloured == {"id": urgent["id"], "name": "urgent", "color": "#00ff00"}
    assert await call(world, "DELETE", f"{TAGS}/{later['id']}", status=204) is None
    assert [t["name"] for t in await call(world, "GET", TAGS)] == ["urgent"]
    await call(world, "DELETE", f"{TAGS}/{later['id']}", status=404)


async def test_duplicate_tag_is_409(world: World) -> None:
    await new_tag(world)
    error = await call(world, "POST", TAGS, body={"name": "urgent", "color": "#000000"}, status=409)
    assert error["error"]["code"] == "conflict"


@pytest.mark.parametrize("color", ["red", "#fff", "#12345g", "0052cc", "#0052cc00", "", None])
async def test_bad_colour_is_400(world: World, color: Any) -> None:
    error = await call(world, "POST", TAGS, body={"name": "x", "color": color}, status=400)
    assert error["error"]["code"] == "invalid_field" and "color" in error["error"]["message"]
    tag = await new_tag(world, "ok")
    error = await call(world, "PATCH", f"{TAGS}/{tag['id']}", body={"color": color}, status=400)
    assert "color" in error["error"]["message"]


async def test_tags_cannot_be_renamed(world: World) -> None:
    tag = await new_tag(world)
    for body in ({"name": "critical"}, {"name": "critical", "color": "#000000"}):
        error = await call(world, "PATCH", f"{TAGS}/{tag['id']}", body=body, status=422)
        assert error["error"] == {"code": "refused", "message": "tags cannot be renamed"}
    assert (await call(world, "GET", TAGS))[0]["name"] == "urgent"


async def test_tag_a_message_list_tagged_and_delete_the_tag(world: World) -> None:
    tag = await new_tag(world)
    day = datetime(2026, 3, 1, tzinfo=UTC)
    first = await world.deliver(world.alice, make_raw(subject="first", date=day))
    sent = await world.deliver(
        world.alice, make_raw(subject="sent", date=day + timedelta(days=1)), role=FolderRole.SENT
    )
    await world.deliver(world.alice, make_raw(subject="untagged"))

    item = await call(world, "PUT", f"/api/v1/messages/{first}/tags/{tag['id']}")
    await call(world, "PUT", f"/api/v1/messages/{sent}/tags/{tag['id']}")
    await call(world, "PUT", f"/api/v1/messages/{sent}/tags/{tag['id']}")  # idempotent

    assert item["id"] == first and item["tags"] == ["urgent"]
    tagged = await call(world, "GET", f"{TAGS}/{tag['id']}/messages")
    assert [i["subject"] for i in tagged["items"]] == ["sent", "first"] and tagged["total"] == 2
    paged = await call(world, "GET", f"{TAGS}/{tag['id']}/messages?per_page=1&page=2")
    assert [i["subject"] for i in paged["items"]] == ["first"] and paged["paginated"] is True
    untagged = await call(world, "DELETE", f"/api/v1/messages/{sent}/tags/{tag['id']}")
    assert untagged["tags"] == []
    await call(world, "DELETE", f"{TAGS}/{tag['id']}", status=204)
    detail = await call(world, "GET", f"/api/v1/messages/{first}")
    assert detail["tags"] == []
    await call(world, "GET", f"{TAGS}/{tag['id']}/messages", status=404)
    await call(world, "PUT", f"/api/v1/messages/{first}/tags/{tag['id']}", status=404)


async def test_comment_set_shown_and_removed(world: World) -> None:
    message = await world.deliver(world.alice, make_raw(subject="call"))
    path = f"/api/v1/messages/{message}/comment"

    put = await call(world, "PUT", path, body={"comment": "Call back on Monday"})
    detail = await call(world, "GET", f"/api/v1/messages/{message}")
    listed = await call(world, "GET", f"/api/v1/folders/{detail['folder_id']}/messages")

    assert put == {"id": message, "comment": "Call back on Monday"}
    assert detail["comment"] == "Call back on Monday"
    assert listed["items"][0]["has_comment"] is True
    assert await call(world, "DELETE", path, status=204) is None
    assert (await call(world, "GET", f"/api/v1/messages/{message}"))["comment"] is None
    await call(world, "PUT", path, body={"comment": "x" * 10_000})
    error = await call(world, "PUT", path, body={"comment": "x" * 10_001}, status=400)
    assert "comment" in error["error"]["message"]
    await call(world, "PUT", "/api/v1/messages/nope/comment", body={"comment": "x"}, status=404)


async def test_preferences_defaults_and_partial_update(world: World) -> None:
    defaults = await call(world, "GET", "/api/v1/preferences")
    assert defaults == {
        "page_size": 50,
        "paging_mode": "auto",
        "thread_view": False,
        "display_mode": "filtered",
        "trash_retention_days": 30,
        "default_identity_id": None,
        "always_request_receipt": False,
        "send_receipts": "ask",
        "vacation": {
            "enabled": False,
            "start": None,
            "end": None,
            "subject": "Out of office",
            "text": "",
            "days": 7,
        },
        "forwarding": {"address": None, "keep": False},
        "notifications": {"email": "off", "sms": "off"},
    }

    changed = await call(
        world, "PATCH", "/api/v1/preferences", body={"thread_view": True, "page_size": 20}
    )
    again = await call(world, "PATCH", "/api/v1/preferences", body={"display_mode": "text"})

    assert changed == defaults | {"thread_view": True, "page_size": 20}
    assert again == changed | {"display_mode": "text"}
    assert await call(world, "GET", "/api/v1/preferences") == again


@pytest.mark.parametrize(
    "body",
    [
        {"page_size": 1},
        {"page_size": None},
        {"paging_mode": "sometimes"},
        {"display_mode": "fancy"},
        {"trash_retention_days": 0},
        {"colour": "blue"},
    ],
)
async def test_bad_preferences_are_400(world: World, body: Any) -> None:
    error = await call(world, "PATCH", "/api/v1/preferences", body=body, status=400)
    assert error["error"]["code"] == "invalid_field"
    assert (await call(world, "GET", "/api/v1/preferences"))["page_size"] == 50


async def test_quota_without_and_with_a_plan(world: World) -> None:
    message = await world.deliver(world.alice, make_raw(subject="big", body="x" * 5000))
    unlimited = await call(world, "GET", "/api/v1/quota")
    assert unlimited["limit_bytes"] is None and unlimited["percent"] is None
    assert unlimited["plan"] is None and unlimited["used_bytes"] > 5000

    await world.mailbox.set_plan(Plan(name="small", storage_bytes=100_000))
    await world.mailbox.assign_plan(world.alice.id, "small")
    await call(world, "DELETE", f"/api/v1/messages/{message}")
    quota = await call(world, "GET", "/api/v1/quota")

    assert quota["plan"] == "small" and quota["limit_bytes"] == 100_000
    assert quota["trash_bytes"] == quota["used_bytes"]
    assert quota["percent"] == round(100 * quota["used_bytes"] / 100_000, 1)


async def test_quota_shows_the_sms_credit_of_the_month(world: World) -> None:
    unlimited = await call(world, "GET", "/api/v1/quota")
    assert unlimited["sms_credit"] is None and unlimited["sms_used"] == 0

    await world.mailbox.set_plan(Plan(name="texts", sms_credit=10))
    await world.mailbox.assign_plan(world.alice.id, "texts")
    assert await world.mailbox.debit_sms(world.alice.id, 3, datetime.now(UTC))
    quota = await call(world, "GET", "/api/v1/quota")
    assert quota["sms_credit"] == 10 and quota["sms_used"] == 3


@pytest.mark.parametrize(
    ("name", "mentions"),
    [
        ("a\u0000b", "U+0000"),
        ("to\tdo", "U+0009"),
        ("\u202eevil", "U+202E"),
        ("x\u200fy", "U+200F"),
        ("x" * 65, "name"),
    ],
)
async def test_bad_tag_names_are_400(world: World, name: str, mentions: str) -> None:
    error = await call(world, "POST", TAGS, body={"name": name, "color": "#000000"}, status=400)
    assert error["error"]["code"] == "invalid_field" and mentions in error["error"]["message"]
    assert await call(world, "GET", TAGS) == []


SMALL = TagLimits(per_message=2, per_account=3, per_change=4)


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path, limits=SMALL) as world:
        yield world


async def test_tags_past_the_bounds_are_422(small: World) -> None:
    world = small
    tags = [await new_tag(world, f"t{i}") for i in range(3)]
    error = await call(world, "POST", TAGS, body={"name": "t3", "color": "#000000"}, status=422)
    assert (
        error["error"]["code"] == "limit_exceeded" and "at most 3 tags" in error["error"]["message"]
    )

    ids = [await world.deliver(world.alice, make_raw(subject=f"m{n}")) for n in range(5)]
    actions = "/api/v1/messages/actions"
    body = {"action": "tag", "selection": {"message_ids": ids}, "tag_id": tags[0]["id"]}
    error = await call(world, "POST", actions, body=body, status=422)  # 5 changes, 4 at once
    assert error["error"]["code"] == "limit_exceeded"
    assert (await call(world, "GET", f"{TAGS}/{tags[0]['id']}/messages"))["total"] == 0

    for tag in tags[:2]:
        await call(world, "PUT", f"/api/v1/messages/{ids[0]}/tags/{tag['id']}")
    error = await call(world, "PUT", f"/api/v1/messages/{ids[0]}/tags/{tags[2]['id']}", status=422)
    assert error["error"] == {
        "code": "limit_exceeded",
        "message": "a message carries at most 2 tags",
    }
    assert (await call(world, "GET", f"/api/v1/messages/{ids[0]}"))["tags"] == ["t0", "t1"]
    await call(world, "DELETE", f"{TAGS}/{tags[1]['id']}", status=204)
    await call(world, "PUT", f"/api/v1/messages/{ids[0]}/tags/{tags[2]['id']}")
    await new_tag(world, "t3")  # room again
