"""`GET /api/v1/correspondents/{address}/messages`: mail from and to someone (F33)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole
from shared.ports import IndexDocument
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CAROL = "Carol Diaz <carol@example.org>"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def get_json(world: World, path: str, headers: dict[str, str], status: int = 200) -> Any:
    resp = await world.client.get(path, headers=headers)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_received_and_sent_mail_newest_first(world: World) -> None:
    received = await world.deliver(
        world.alice, make_raw(sender=CAROL, subject="Hello Alice", date=START)
    )
    sent = await world.deliver(
        world.alice,
        make_raw(
            sender="alice@example.test",
            to=CAROL,
            subject="Re: Hello Alice",
            date=START + timedelta(days=1),
        ),
        role=FolderRole.SENT,
    )
    inbox = await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)
    await world.index.upsert(  # the gateway fixture indexes no Cc; this one has Carol there
        IndexDocument(
            account_id=world.alice.id,
            message_id="copied",
            folder_id=inbox.id,
            subject="Team news",
            sender="Dan <dan@example.org>",
            to="alice@example.test",
            cc=CAROL,
            date=START + timedelta(days=2),
        )
    )
    await world.deliver(world.alice, make_raw(subject="Not Carol's", date=START))
    await world.deliver(world.alice, make_raw(sender="carol@example.net", subject="Other Carol"))
    await world.deliver(world.bob, make_raw(sender=CAROL, subject="Bob's mail from Carol"))
    auth = await world.auth()

    page = await get_json(world, "/api/v1/correspondents/Carol@Example.org/messages", auth)

    assert [item["id"] for item in page["items"]] == ["copied", sent, received]
    assert [item["folder_name"] for item in page["items"]] == ["Inbox", "Sent", "Inbox"]
    assert (page["total"], page["capped"]) == (3, False)
    assert await world.mailbox.recent_searches(world.alice.id) == []  # not a typed search

    by_relevance = await get_json(
        world, "/api/v1/correspondents/carol@example.org/messages?sort=relevance&limit=1", auth
    )
    assert len(by_relevance["items"]) == 1 and by_relevance["total"] == 3


@pytest.mark.parametrize("address", ["carol", "carol@", "@example.org", "a b@example.org"])
async def test_not_an_address_is_a_400(world: World, address: str) -> None:
    resp = await world.client.get(
        f"/api/v1/correspondents/{address}/messages", headers=await world.auth()
    )
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_address"


async def test_another_accounts_correspondents_stay_hidden(world: World) -> None:
    await world.deliver(world.alice, make_raw(sender=CAROL, subject="for alice"))

    page = await get_json(
        world, "/api/v1/correspondents/carol@example.org/messages", await world.auth(BOB)
    )

    assert page == {"items": [], "total": 0, "capped": False}
