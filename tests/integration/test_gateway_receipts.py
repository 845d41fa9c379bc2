"""Read receipts over the HTTP API (F48, RFC 8098) on the SQLite store and file blobs:
what opening a message does under each preference, the pending list, sending and
dismissing once, and what is handed to the bus (a receipt from the null sender)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from shared.events import OutboundRequest, new_event_id
from shared.mail.mime import parse_message
from shared.model import Account, FolderRole, NewMessage
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, call, running_gateway

ASKER = "bob@example.net"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


def asking(*, return_path: str = ASKER, subject: str = "Quarterly report") -> bytes:
    """Mail from Bob asking for a read receipt, as the MX stored it (with Return-Path)."""
    raw = make_raw(subject=subject, message_id="<q1@example.net>")
    return (
        f"Return-Path: <{return_path}>\r\nDisposition-Notification-To: Bob <{ASKER}>\r\n".encode()
        + raw
    )


async def deliver(world: World, account: Account, raw: bytes, receipt_to: str | None) -> str:
    """Delivered as the store service does for incoming mail asking for a receipt."""
    inbox = await world.mailbox.folder_by_role(account.id, FolderRole.INBOX)
    delivery = await world.mailbox.deliver(
        NewMessage(
            event_id=new_event_id(), account_id=account.id, folder_id=inbox.id,
            blob_id=await world.blobs.put(raw), size=len(raw), received_at=datetime.now(UTC),
            receipt_to=receipt_to, parsed=parse_message(raw),
        )
    )  # fmt: skip
    return delivery.message_id


async def prefer(world: World, policy_name: str) -> None:
    body = {"send_receipts": policy_name}
    assert (await call(world, "PATCH", "/api/v1/preferences", body=body))["send_receipts"] == (
        policy_name
    )


def receipts(world: World) -> list[OutboundRequest]:
    return [e for e in world.outbox.events if isinstance(e, OutboundRequest)]


async def sent_mdn(world: World, event: OutboundRequest) -> Any:
    """The receipt as it will leave, parsed: its disposition-notification fields."""
    raw = await world.blobs.get(event.blob_id)
    assert event.size == len(raw)
    message = message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/report"
    assert message["To"] == ASKER and message["From"] == world.alice.address
    assert message["Subject"] == "Read: Quarterly report"
    assert message["In-Reply-To"] == "<q1@example.net>"
    block = raw.split(b"Content-Type: message/disposition-notification\r\n\r\n", 1)[1]
    return dict(line.decode().split(": ", 1) for line in block.split(b"\r\n\r\n")[0].split(b"\r\n"))


async def test_ask_lists_the_request_until_the_user_sends_it_once(world: World) -> None:
    message = await deliver(world, world.alice, asking(), ASKER)

    detail = await call(world, "GET", f"/api/v1/messages/{message}")
    assert detail["receipt"] == "pending" and receipts(world) == []
    (pending,) = (await call(world, "GET", "/api/v1/receipts"))["receipts"]
    assert pending["message_id"] == message and pending["to"] == ASKER
    assert pending["subject"] == "Quarterly report"

    sent = await call(world, "POST", f"/api/v1/receipts/{message}/send", status=202)
    assert (sent["message_id"], sent["to"]) == (message, ASKER)
    again = await call(world, "POST", f"/api/v1/receipts/{message}/send", status=409)
    assert again["error"]["code"] == "receipt_settled"
    await call(world, "POST", f"/api/v1/receipts/{message}/dismiss", status=409)

    (event,) = receipts(world)
    assert event.mail_from == "" and event.recipients == [ASKER]
    assert event.account_id == world.alice.id
    fields = await sent_mdn(world, event)
    assert fields["Disposition"] == "manual-action/MDN-sent-manually; displayed"
    assert fields["Final-Recipient"] == f"rfc822; {world.alice.address}"
    assert fields["Original-Message-ID"] == "<q1@example.net>"
    assert (await call(world, "GET", "/api/v1/receipts"))["receipts"] == []
    assert (await call(world, "GET", f"/api/v1/messages/{message}"))["receipt"] == "sent"
    inbox = await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)
    listed = await call(world, "GET", f"/api/v1/folders/{inbox.id}/messages")
    assert [item["receipt"] for item in listed["items"]] == ["sent"]


async def test_two_sends_at_once_send_one_receipt(world: World) -> None:
    message = await deliver(world, world.alice, asking(), ASKER)
    headers = await world.auth()
    path = f"/api/v1/receipts/{message}/send"

    answers = await asyncio.gather(*(world.client.post(path, headers=headers) for _ in range(4)))

    assert sorted(resp.status for resp in answers) == [202, 409, 409, 409]
    assert len(receipts(world)) == 1


async def test_a_dismissed_receipt_is_never_sent(world: World) -> None:
    message = await deliver(world, world.alice, asking(), ASKER)

    assert await call(world, "POST", f"/api/v1/receipts/{message}/dismiss", status=204) is None
    again = await call(world, "POST", f"/api/v1/receipts/{message}/dismiss", status=409)
    assert again["error"]["code"] == "receipt_settled"
    await call(world, "POST", f"/api/v1/receipts/{message}/send", status=409)

    assert receipts(world) == []
    assert (await call(world, "GET", "/api/v1/receipts"))["receipts"] == []
    assert (await call(world, "GET", f"/api/v1/messages/{message}"))["receipt"] == "dismissed"


async def test_always_sends_on_opening_once(world: World) -> None:
    await prefer(world, "always")
    message = await deliver(world, world.alice, asking(), ASKER)

    first = await call(world, "GET", f"/api/v1/messages/{message}")
    second = await call(world, "GET", f"/api/v1/messages/{message}")

    assert first["receipt"] == second["receipt"] == "sent"
    (event,) = receipts(world)
    assert event.mail_from == "" and event.recipients == [ASKER]
    fields = await sent_mdn(world, event)
    assert fields["Disposition"] == "automatic-action/MDN-sent-automatically; displayed"
    await call(world, "POST", f"/api/v1/receipts/{message}/send", status=409)
    assert len(receipts(world)) == 1


async def test_always_asks_when_the_receipt_goes_elsewhere_than_the_sender(
    world: World,
) -> None:
    """RFC 8098 §2.1: a Disposition-Notification-To that is not the Return-Path (or no
    Return-Path at all) could make the user confirm mail to a third party: asked instead."""
    await prefer(world, "always")
    elsewhere = await deliver(world, world.alice, asking(return_path="list@example.org"), ASKER)
    bare = await deliver(world, world.alice, make_raw(), ASKER)

    for message in (elsewhere, bare):
        assert (await call(world, "GET", f"/api/v1/messages/{message}"))["receipt"] == "pending"
    assert receipts(world) == []
    listed = (await call(world, "GET", "/api/v1/receipts"))["receipts"]
    assert sorted(r["message_id"] for r in listed) == sorted([elsewhere, bare])


async def test_never_dismisses_on_opening(world: World) -> None:
    await prefer(world, "never")
    message = await deliver(world, world.alice, asking(), ASKER)

    assert (await call(world, "GET", f"/api/v1/messages/{message}"))["receipt"] == "dismissed"
    await prefer(world, "always")
    assert (await call(world, "GET", f"/api/v1/messages/{message}"))["receipt"] == "dismissed"

    assert receipts(world) == []
    await call(world, "POST", f"/api/v1/receipts/{message}/send", status=409)


async def test_a_message_asking_for_none_or_of_another_account_is_not_found(
    world: World,
) -> None:
    plain = await deliver(world, world.alice, make_raw(), None)
    bobs = await deliver(world, world.bob, asking(), ASKER)
    mine = await deliver(world, world.alice, asking(), ASKER)

    assert (await call(world, "GET", f"/api/v1/messages/{plain}"))["receipt"] is None
    for message, who in ((plain, None), (bobs, None), (mine, BOB), ("nope", None)):
        for action in ("send", "dismiss"):
            kwargs: dict[str, Any] = {"who": who} if who else {}
            answer = await call(
                world, "POST", f"/api/v1/receipts/{message}/{action}", status=404, **kwargs
            )
            assert answer["error"]["code"] == "not_found"

    assert receipts(world) == []
    assert (await world.mailbox.message(world.bob.id, bobs)).receipt == "pending"
    assert (await world.mailbox.message(world.alice.id, mine)).receipt == "pending"
    assert (await call(world, "GET", "/api/v1/receipts", who=BOB))["receipts"][0]["message_id"] == (
        bobs
    )


async def test_an_account_blocked_from_sending_sends_no_receipt(world: World) -> None:
    await prefer(world, "always")
    await world.mailbox.set_submission_blocked(world.alice.id, True)
    message = await deliver(world, world.alice, asking(), ASKER)

    assert (await call(world, "GET", f"/api/v1/messages/{message}"))["receipt"] == "pending"
    answer = await call(world, "POST", f"/api/v1/receipts/{message}/send", status=403)

    assert answer["error"]["code"] == "submission_blocked"
    assert receipts(world) == []
    assert await call(world, "POST", f"/api/v1/receipts/{message}/dismiss", status=204) is None
