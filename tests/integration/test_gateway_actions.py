"""Message actions over HTTP (F38, F39): on selections and on one message; Trash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway

ACTIONS = "/api/v1/messages/actions"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def call(world: World, method: str, path: str, *, body: Any = None, status: int = 200) -> Any:
    resp = await world.client.request(method, path, json=body, headers=await world.auth())
    assert resp.status == status, await resp.text()
    return await resp.json()


async def act(world: World, status: int = 200, **body: Any) -> Any:
    return await call(world, "POST", ACTIONS, body=body, status=status)


async def folder(world: World, role: FolderRole) -> str:
    return (await world.mailbox.folder_by_role(world.alice.id, role)).id


async def three(world: World) -> list[str]:
    return [await world.deliver(world.alice, make_raw(subject=f"m{n}")) for n in range(3)]


async def test_flags_on_selected_messages(world: World) -> None:
    ids = await three(world)
    selection = {"message_ids": [*ids[:2], "unknown"]}

    read = await act(world, action="read", selection=selection)
    again = await act(world, action="read", selection=selection)
    flagged = await act(world, action="flag", selection={"message_ids": ids[:1]})

    assert read == {"action": "read", "affected": ids[:2], "count": 2}
    assert (await act(world, action="unread", selection={"message_ids": []}))["count"] == 0
    assert again["count"] == 0  # nothing changed the second time
    assert flagged["affected"] == ids[:1]
    message = await call(world, "GET", f"/api/v1/messages/{ids[0]}")
    assert message["unread"] is False and message["flagged"] is True
    await act(world, action="unread", selection={"message_ids": ids[:1]})
    await act(world, action="unflag", selection={"message_ids": ids[:1]})
    message = await call(world, "GET", f"/api/v1/messages/{ids[0]}")
    assert message["unread"] is True and message["flagged"] is False


async def test_whole_folder_selection(world: World) -> None:
    ids = await three(world)
    inbox = await folder(world, FolderRole.INBOX)

    result = await act(world, action="read", selection={"folder_id": inbox})

    assert sorted(result["affected"]) == sorted(ids)
    folders = {f["id"]: f for f in await call(world, "GET", "/api/v1/folders")}
    assert folders[inbox]["unread"] == 0


async def test_folder_selection_before_a_date_moves_old_mail(world: World) -> None:
    old = await world.deliver(
        world.alice, make_raw(subject="old", date=datetime(2025, 6, 1, tzinfo=UTC))
    )
    new = await world.deliver(
        world.alice, make_raw(subject="new", date=datetime(2026, 2, 1, tzinfo=UTC))
    )
    inbox, trash = await folder(world, FolderRole.INBOX), await folder(world, FolderRole.TRASH)

    result = await act(
        world,
        action="delete",
        selection={"folder_id": inbox, "before": "2026-01-01T00:00:00Z"},
    )

    assert result["affected"] == [old]
    assert (await call(world, "GET", f"/api/v1/messages/{old}"))["folder_id"] == trash
    assert (await call(world, "GET", f"/api/v1/messages/{new}"))["folder_id"] == inbox


async def test_move_copy_and_destroy(world: World) -> None:
    ids = await three(world)
    archive = await call(world, "POST", "/api/v1/folders", body={"name": "Archive"}, status=201)

    moved = await act(
        world, action="move", selection={"message_ids": ids[:1]}, folder_id=archive["id"]
    )
    copied = await act(
        world, action="copy", selection={"message_ids": ids[1:]}, folder_id=archive["id"]
    )
    destroyed = await act(world, action="destroy", selection={"message_ids": ids[2:]})

    assert moved["affected"] == ids[:1]
    assert copied["count"] == 2 and not set(copied["affected"]) & set(ids)
    for copy in copied["affected"]:
        assert (await call(world, "GET", f"/api/v1/messages/{copy}"))["folder_id"] == archive["id"]
    assert destroyed["affected"] == ids[2:]
    await call(world, "GET", f"/api/v1/messages/{ids[2]}", status=404)
    archived = await call(world, "GET", f"/api/v1/folders/{archive['id']}/messages")
    assert archived["total"] == 3


async def test_delete_then_restore_to_origin(world: World) -> None:
    ids = await three(world)
    sent = await folder(world, FolderRole.SENT)
    await act(world, action="move", selection={"message_ids": ids[:1]}, folder_id=sent)
    trash = await folder(world, FolderRole.TRASH)

    deleted = await act(world, action="delete", selection={"message_ids": ids[:2]})
    in_trash = await call(world, "GET", f"/api/v1/folders/{trash}/messages")
    restored = await act(world, action="restore", selection={"message_ids": ids[:2]})

    assert deleted["affected"] == ids[:2] and in_trash["total"] == 2
    assert sorted(restored["affected"]) == sorted(ids[:2])
    assert (await call(world, "GET", f"/api/v1/messages/{ids[0]}"))["folder_id"] == sent
    inbox = await folder(world, FolderRole.INBOX)
    assert (await call(world, "GET", f"/api/v1/messages/{ids[1]}"))["folder_id"] == inbox


async def test_tag_and_untag_actions(world: World) -> None:
    ids = await three(world)
    tag = await call(
        world, "POST", "/api/v1/tags", body={"name": "todo", "color": "#00aa00"}, status=201
    )

    tagged = await act(world, action="tag", selection={"message_ids": ids}, tag_id=tag["id"])
    untagged = await act(
        world, action="untag", selection={"message_ids": ids[:1]}, tag_id=tag["id"]
    )

    assert tagged["count"] == 3 and untagged["affected"] == ids[:1]
    listed = await call(world, "GET", f"/api/v1/tags/{tag['id']}/messages")
    assert sorted(i["id"] for i in listed["items"]) == sorted(ids[1:])


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"action": "read", "selection": {"message_ids": ["a"], "folder_id": "f"}}, "either"),
        ({"action": "read", "selection": {}}, "either"),
        (
            {
                "action": "read",
                "selection": {"message_ids": ["a"], "before": "2026-01-01T00:00:00Z"},
            },
            "before",
        ),
        (
            {"action": "read", "selection": {"folder_id": "f", "before": "2026-01-01T00:00:00"}},
            "timezone",
        ),
        ({"action": "read", "selection": {"folder_id": "f", "before": "yesterday"}}, "before"),
        ({"action": "move", "selection": {"message_ids": ["a"]}}, "folder_id"),
        ({"action": "tag", "selection": {"message_ids": ["a"]}}, "tag_id"),
        ({"action": "burn", "selection": {"message_ids": ["a"]}}, "action"),
        ({"action": "read"}, "selection"),
        ({"action": "read", "selection": {"message_ids": "a"}}, "message_ids"),
    ],
)
async def test_bad_action_bodies_are_400(world: World, body: Any, mentions: str) -> None:
    error = await call(world, "POST", ACTIONS, body=body, status=400)
    assert error["error"]["code"] == "invalid_field"
    assert mentions in error["error"]["message"]


async def test_another_accounts_messages_are_left_alone(world: World) -> None:
    theirs = await world.deliver(world.bob, make_raw(subject="bob's"))
    result = await act(world, action="destroy", selection={"message_ids": [theirs]})
    assert result["count"] == 0
    resp = await world.client.get(f"/api/v1/messages/{theirs}", headers=await world.auth(BOB))
    assert resp.status == 200


async def test_single_message_update(world: World) -> None:
    ids = await three(world)
    drafts = await folder(world, FolderRole.DRAFTS)
    path = f"/api/v1/messages/{ids[0]}"

    item = await call(
        world, "PATCH", path, body={"unread": False, "flagged": True, "folder_id": drafts}
    )

    assert (item["id"], item["unread"], item["flagged"], item["folder_id"]) == (
        ids[0],
        False,
        True,
        drafts,
    )
    assert (await call(world, "PATCH", path, body={}))["flagged"] is True
    error = await call(world, "PATCH", path, body={"unread": "nope"}, status=400)
    assert error["error"]["code"] == "invalid_field"
    await call(world, "PATCH", path, body={"folder_id": "nope"}, status=404)


async def test_single_message_delete_restore_and_permanent(world: World) -> None:
    ids = await three(world)
    trash, inbox = await folder(world, FolderRole.TRASH), await folder(world, FolderRole.INBOX)

    deleted = await call(world, "DELETE", f"/api/v1/messages/{ids[0]}")
    assert deleted == {"action": "delete", "affected": [ids[0]], "count": 1}
    assert (await call(world, "GET", f"/api/v1/messages/{ids[0]}"))["folder_id"] == trash
    restored = await call(world, "POST", f"/api/v1/messages/{ids[0]}/restore")
    assert restored["affected"] == [ids[0]]
    assert (await call(world, "GET", f"/api/v1/messages/{ids[0]}"))["folder_id"] == inbox

    await call(world, "DELETE", f"/api/v1/messages/{ids[1]}")
    await call(world, "DELETE", f"/api/v1/messages/{ids[1]}")  # in Trash already: for good
    await call(world, "GET", f"/api/v1/messages/{ids[1]}", status=404)
    permanent = await call(world, "DELETE", f"/api/v1/messages/{ids[2]}?permanent=true")
    assert permanent == {"action": "destroy", "affected": [ids[2]], "count": 1}
    await call(world, "GET", f"/api/v1/messages/{ids[2]}", status=404)
    await call(world, "DELETE", f"/api/v1/messages/{ids[2]}", status=404)
    await call(world, "DELETE", f"/api/v1/messages/{ids[0]}?permanent=perhaps", status=400)


async def test_empty_trash_removes_only_trash(world: World) -> None:
    ids = await three(world)
    await act(world, action="delete", selection={"message_ids": ids[:2]})

    emptied = await call(world, "POST", "/api/v1/trash/empty")

    assert emptied["removed_messages"] == 2 and emptied["removed_folders"] == 0
    assert emptied["freed_bytes"] > 0
    await call(world, "GET", f"/api/v1/messages/{ids[0]}", status=404)
    await call(world, "GET", f"/api/v1/messages/{ids[2]}")
