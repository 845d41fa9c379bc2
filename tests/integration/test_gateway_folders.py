"""Folders over HTTP (F35-F37): create, rename, move, delete through Trash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole
from tests.factories import make_raw
from tests.integration.gateway_support import World, running_gateway

FOLDERS = "/api/v1/folders"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def call(world: World, method: str, path: str, *, body: Any = None, status: int = 200) -> Any:
    resp = await world.client.request(method, path, json=body, headers=await world.auth())
    assert resp.status == status, await resp.text()
    return await resp.json()


async def role_id(world: World, role: FolderRole) -> str:
    return (await world.mailbox.folder_by_role(world.alice.id, role)).id


async def folder_list(world: World) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in await call(world, "GET", FOLDERS)}


async def test_create_top_level_and_subfolder(world: World) -> None:
    projects = await call(world, "POST", FOLDERS, body={"name": " Projects "}, status=201)
    sub = await call(
        world, "POST", FOLDERS, body={"name": "Zeppelin", "parent_id": projects["id"]}, status=201
    )

    assert projects["name"] == "Projects" and projects["parent_id"] is None
    assert projects["role"] is None and (projects["total"], projects["unread"]) == (0, 0)
    assert sub["parent_id"] == projects["id"]
    listed = await folder_list(world)
    assert listed[sub["id"]]["name"] == "Zeppelin"
    assert set(listed[sub["id"]]) == {
        "id",
        "name",
        "role",
        "parent_id",
        "total",
        "unread",
        "unread_below",
    }


async def test_unread_below_marks_the_parent_of_unread_mail(world: World) -> None:
    parent = await call(world, "POST", FOLDERS, body={"name": "Clients"}, status=201)
    child = await call(
        world, "POST", FOLDERS, body={"name": "Acme", "parent_id": parent["id"]}, status=201
    )
    message = await world.deliver(world.alice, make_raw(subject="order"))
    await call(
        world,
        "POST",
        "/api/v1/messages/actions",
        body={"action": "move", "selection": {"message_ids": [message]}, "folder_id": child["id"]},
    )

    listed = await folder_list(world)
    assert listed[parent["id"]]["unread_below"] is True
    assert listed[child["id"]]["unread"] == 1 and listed[child["id"]]["unread_below"] is False


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "a\u0000b"}, "control character U+0000"),
        ({"name": "line\nbreak"}, "control character U+000A"),
        ({"name": "invoice\u202efdp.exe"}, "control character U+202E"),
        ({"name": "\u2066x"}, "control character U+2066"),
        ({"name": "a/b"}, "'/'"),
    ],
)
async def test_bad_folder_bodies_are_400(world: World, body: Any, mentions: str) -> None:
    error = await call(world, "POST", FOLDERS, body=body, status=400)
    assert error["error"]["code"] == "invalid_field" and mentions in error["error"]["message"]
    work = await call(world, "POST", FOLDERS, body={"name": "Work"}, status=201)
    if "name" in body:
        error = await call(world, "PATCH", f"{FOLDERS}/{work['id']}", body=body, status=400)
        assert error["error"]["code"] == "invalid_field"
    assert {f["name"] for f in (await folder_list(world)).values()} >= {"Work"}
    assert len(await folder_list(world)) == 7


async def test_duplicate_sibling_name_is_409(world: World) -> None:
    await call(world, "POST", FOLDERS, body={"name": "Receipts"}, status=201)
    error = await call(world, "POST", FOLDERS, body={"name": "receipts"}, status=409)
    assert error["error"]["code"] == "conflict"


@pytest.mark.parametrize("role", [FolderRole.INBOX, FolderRole.SENT, FolderRole.SPAM])
async def test_no_subfolders_under_inbox_sent_spam(world: World, role: FolderRole) -> None:
    parent = await role_id(world, role)
    error = await call(
        world, "POST", FOLDERS, body={"name": "Sub", "parent_id": parent}, status=422
    )
    assert error["error"]["code"] == "refused"


async def test_subfolder_allowed_under_drafts(world: World) -> None:
    parent = await role_id(world, FolderRole.DRAFTS)
    sub = await call(world, "POST", FOLDERS, body={"name": "Old", "parent_id": parent}, status=201)
    assert sub["parent_id"] == parent


async def test_system_folders_cannot_be_renamed_moved_or_deleted(world: World) -> None:
    inbox = await role_id(world, FolderRole.INBOX)
    target = await call(world, "POST", FOLDERS, body={"name": "Archive"}, status=201)
    for method, body in (
        ("PATCH", {"name": "Incoming"}),
        ("PATCH", {"parent_id": target["id"]}),
        ("DELETE", None),
    ):
        error = await call(world, method, f"{FOLDERS}/{inbox}", body=body, status=422)
        assert error["error"]["code"] == "refused"
    assert (await folder_list(world))[inbox]["name"] == "Inbox"


async def test_rename_and_move_in_one_patch(world: World) -> None:
    a = await call(world, "POST", FOLDERS, body={"name": "A"}, status=201)
    b = await call(world, "POST", FOLDERS, body={"name": "B"}, status=201)

    moved = await call(
        world, "PATCH", f"{FOLDERS}/{b['id']}", body={"name": "B2", "parent_id": a["id"]}
    )
    renamed_only = await call(world, "PATCH", f"{FOLDERS}/{b['id']}", body={"name": "B3"})
    to_top = await call(world, "PATCH", f"{FOLDERS}/{b['id']}", body={"parent_id": None})

    assert (moved["name"], moved["parent_id"]) == ("B2", a["id"])
    assert (renamed_only["name"], renamed_only["parent_id"]) == ("B3", a["id"])  # absent: stays
    assert (to_top["name"], to_top["parent_id"]) == ("B3", None)  # null: top level


async def test_rename_onto_a_sibling_is_409(world: World) -> None:
    await call(world, "POST", FOLDERS, body={"name": "Taken"}, status=201)
    other = await call(world, "POST", FOLDERS, body={"name": "Other"}, status=201)
    error = await call(
        world, "PATCH", f"{FOLDERS}/{other['id']}", body={"name": "Taken"}, status=409
    )
    assert error["error"]["code"] == "conflict"


async def test_moving_a_folder_into_its_own_child_is_422(world: World) -> None:
    top = await call(world, "POST", FOLDERS, body={"name": "Top"}, status=201)
    child = await call(
        world, "POST", FOLDERS, body={"name": "Child", "parent_id": top["id"]}, status=201
    )
    for parent in (child["id"], top["id"]):
        error = await call(
            world, "PATCH", f"{FOLDERS}/{top['id']}", body={"parent_id": parent}, status=422
        )
        assert error["error"]["code"] == "refused"


async def test_delete_folder_goes_to_trash_then_empty_trash_removes_it(world: World) -> None:
    top = await call(world, "POST", FOLDERS, body={"name": "Old project"}, status=201)
    sub = await call(
        world, "POST", FOLDERS, body={"name": "Notes", "parent_id": top["id"]}, status=201
    )
    messages = [await world.deliver(world.alice, make_raw(subject=f"n{i}")) for i in range(2)]
    await call(
        world,
        "POST",
        "/api/v1/messages/actions",
        body={"action": "move", "selection": {"message_ids": messages}, "folder_id": sub["id"]},
    )
    trash = await role_id(world, FolderRole.TRASH)

    deleted = await call(world, "DELETE", f"{FOLDERS}/{top['id']}")

    assert deleted["id"] == top["id"] and deleted["parent_id"] == trash
    listed = await folder_list(world)
    assert listed[sub["id"]]["parent_id"] == top["id"] and listed[sub["id"]]["total"] == 2
    emptied = await call(world, "POST", "/api/v1/trash/empty")
    assert emptied["removed_messages"] == 2 and emptied["removed_folders"] == 2
    assert emptied["freed_bytes"] > 0
    listed = await folder_list(world)
    assert top["id"] not in listed and sub["id"] not in listed
    for message in messages:
        await call(world, "GET", f"/api/v1/messages/{message}", status=404)
    again = await call(world, "POST", "/api/v1/trash/empty")
    assert again == {"removed_messages": 0, "removed_folders": 0, "freed_bytes": 0}


async def test_unknown_folder_is_404(world: World) -> None:
    for method, body in (("PATCH", {"name": "x"}), ("DELETE", None)):
        error = await call(world, method, f"{FOLDERS}/nope", body=body, status=404)
        assert error["error"]["code"] == "not_found"
    await call(world, "POST", FOLDERS, body={"name": "x", "parent_id": "nope"}, status=404)
