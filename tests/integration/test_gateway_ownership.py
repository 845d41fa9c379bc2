"""Another account's ids answer 404, exactly like ids that never existed: every route that
takes an id in its path, and every id carried in a body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from services.gateway.routes import ENDPOINTS
from services.gateway.schemas import (
    ActionRequest,
    CommentIn,
    FolderCreate,
    FolderUpdate,
    MessageUpdate,
    TagUpdate,
)
from services.gateway.schemas.compose import CompositionIn
from services.gateway.schemas.filters import FilterIn
from services.gateway.schemas.senders import IdentityIn
from shared.events import new_event_id
from shared.filters import Action, ActionKind, FilterFields
from shared.mail.mime import parse_message
from shared.model import FolderRole, NewMessage, Upload
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway

NOT_FOUND = {"error": {"code": "not_found", "message": "no such resource"}}
# A valid body for each request model, so that only ownership can fail.
BODIES: dict[type[BaseModel], Any] = {
    FolderCreate: {"name": "x"},
    FolderUpdate: {"name": "renamed"},
    MessageUpdate: {"unread": False},
    TagUpdate: {"color": "#000000"},
    CommentIn: {"comment": "mine"},
    IdentityIn: {"address": "bob@example.test"},
    CompositionIn: {"text": "x"},
    FilterIn: {"name": "x", "actions": [{"kind": "flag"}]},
}
ID_ROUTES = [e for e in ENDPOINTS if "{id}" in e.path]


@dataclass
class Ids:
    folder: str
    message: str
    tag: str
    part: str
    identity: str = "nope"
    upload: str = "nope"
    draft: str = "nope"
    template: str = "nope"
    filter: str = "nope"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def owned(world: World, who: Any) -> Ids:
    """A user folder, a message with an attachment asking for a read receipt, and a tag of
    one account."""
    raw = make_raw(subject="private", html="<p>hi</p>", attachment=("a.bin", b"\x00" * 10))
    message = await saved(world, who, FolderRole.INBOX, raw, receipt_to="carol@example.net")
    folder = await world.mailbox.create_folder(who.id, "Private", None)
    tag = await world.mailbox.create_tag(who.id, "secret", "#123456")
    stored = await world.mailbox.message(who.id, message)
    identity = (await world.mailbox.identities(who.id))[0].id
    upload = await world.mailbox.add_upload(
        Upload(
            id=new_event_id(), account_id=who.id, blob_id=await world.blobs.put(b"up"),
            filename="up.txt", content_type="text/plain", size=2, created_at=stored.date,
        )
    )  # fmt: skip
    draft, template = [
        await saved(world, who, role, raw) for role in (FolderRole.DRAFTS, FolderRole.TEMPLATES)
    ]
    rule = await world.mailbox.create_filter(
        who.id, FilterFields(name="mine", actions=[Action(kind=ActionKind.FLAG)])
    )
    return Ids(
        folder.id, message, tag.id, stored.attachments[0].part,
        identity, upload.id, draft, template, rule.id,
    )  # fmt: skip


async def saved(
    world: World, who: Any, role: FolderRole, raw: bytes, *, receipt_to: str | None = None
) -> str:
    folder = await world.mailbox.folder_by_role(who.id, role)
    delivery = await world.mailbox.deliver(
        NewMessage(
            event_id=new_event_id(), account_id=who.id, folder_id=folder.id,
            blob_id=await world.blobs.put(raw), size=len(raw),
            received_at=datetime.now(UTC), receipt_to=receipt_to, parsed=parse_message(raw),
        )
    )  # fmt: skip
    return delivery.message_id


def fill(path: str, ids: Ids, *, tag_id: str) -> str:
    kind = path.split("/")[3]  # /api/v1/<kind>/{id}...
    first = {
        "folders": ids.folder,
        "messages": ids.message,
        "tags": ids.tag,
        "identities": ids.identity,
        "uploads": ids.upload,
        "drafts": ids.draft,
        "templates": ids.template,
        "filters": ids.filter,
        "receipts": ids.message,
    }[kind]
    return path.replace("{id}", first).replace("{tag_id}", tag_id).replace("{part}", ids.part)


async def answer(world: World, method: str, path: str, body: Any) -> tuple[int, Any]:
    resp = await world.client.request(method, path, json=body, headers=await world.auth(BOB))
    return resp.status, await resp.json()


@pytest.mark.parametrize("endpoint", ID_ROUTES, ids=lambda e: f"{e.method} {e.path}")
async def test_every_id_route_hides_other_accounts(world: World, endpoint: Any) -> None:
    alice, bob = await owned(world, world.alice), await owned(world, world.bob)
    body = BODIES.get(endpoint.request) if endpoint.request else None

    foreign = fill(endpoint.path, alice, tag_id=bob.tag)
    missing = fill(endpoint.path, Ids("nope", "nope", "nope", alice.part), tag_id=bob.tag)

    assert await answer(world, endpoint.method, foreign, body) == (404, NOT_FOUND)
    assert await answer(world, endpoint.method, missing, body) == (404, NOT_FOUND)
    if "{tag_id}" in endpoint.path:  # Bob's message with Alice's tag
        theirs = fill(endpoint.path, bob, tag_id=alice.tag)
        assert await answer(world, endpoint.method, theirs, body) == (404, NOT_FOUND)
    # Nothing of Alice's changed.
    message = await world.mailbox.message(world.alice.id, alice.message)
    assert message.unread and message.tags == [] and message.comment is None
    assert message.receipt == "pending"
    folder = await world.mailbox.folder(world.alice.id, alice.folder)
    assert (folder.name, folder.parent_id) == ("Private", None)
    assert [t.color for t in await world.mailbox.tags(world.alice.id)] == ["#123456"]
    (identity,) = await world.mailbox.identities(world.alice.id)
    assert identity.id == alice.identity and identity.name == ""
    for kept in (alice.draft, alice.template):
        assert (await world.mailbox.message(world.alice.id, kept)).id == kept
    assert world.outbox.events == []
    (rule,) = await world.mailbox.filters(world.alice.id)
    assert (rule.id, rule.name) == (alice.filter, "mine")


def test_every_id_route_is_covered() -> None:
    kinds = {e.path.split("/")[3] for e in ID_ROUTES}
    assert kinds == {
        "folders", "messages", "tags", "identities", "uploads", "drafts", "templates", "filters",
        "receipts",
    }  # fmt: skip
    assert all(e.request is None or e.request in BODIES for e in ID_ROUTES)


async def test_ids_in_bodies_hide_other_accounts(world: World) -> None:
    alice, bob = await owned(world, world.alice), await owned(world, world.bob)
    bob_inbox = (await world.mailbox.folder_by_role(world.bob.id, FolderRole.INBOX)).id
    mine = {"message_ids": [bob.message]}
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/v1/folders", {"name": "x", "parent_id": alice.folder}),
        ("PATCH", f"/api/v1/folders/{bob.folder}", {"parent_id": alice.folder}),
        ("PATCH", f"/api/v1/messages/{bob.message}", {"folder_id": alice.folder}),
        ("POST", "/api/v1/messages/actions", _act("read", {"folder_id": alice.folder})),
        ("POST", "/api/v1/messages/actions", _act("move", mine, folder_id=alice.folder)),
        ("POST", "/api/v1/messages/actions", _act("copy", mine, folder_id=alice.folder)),
        ("POST", "/api/v1/messages/actions", _act("tag", mine, tag_id=alice.tag)),
    ]
    for method, path, body in cases:
        assert await answer(world, method, path, body) == (404, NOT_FOUND), (method, path)
    bob_message = await world.mailbox.message(world.bob.id, bob.message)
    assert bob_message.folder_id == bob_inbox and bob_message.tags == []
    assert (await world.mailbox.folder(world.alice.id, alice.folder)).total == 0


def _act(action: str, selection: dict[str, Any], **target: str) -> dict[str, Any]:
    body = {"action": action, "selection": selection, **target}
    ActionRequest.model_validate(body)  # only ownership may fail
    return body
