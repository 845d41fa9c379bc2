"""Sending over the HTTP API with every part real: the services on a nats-server, the
SQLite store, and an aiosmtpd smarthost whose received bytes are checked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp
import pytest

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import FolderRole, Plan
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.smarthost import Smarthost
from tests.integration.test_outbound import accounts, smarthost  # noqa: F401 - fixture
from tests.integration.test_pipeline import eventually, send

PASSWORD = "correct horse"


@dataclass
class Client:
    http: aiohttp.ClientSession
    base: str
    headers: dict[str, str]

    async def call(self, method: str, path: str, *, status: int = 200, **kwargs: Any) -> Any:
        async with self.http.request(
            method, f"{self.base}/api/v1{path}", headers=self.headers, **kwargs
        ) as resp:
            body = await resp.json() if resp.status != 204 else None
            assert resp.status == status, body
            return body

    async def upload(self, name: str, data: bytes, content_type: str) -> str:
        form = aiohttp.FormData(quote_fields=False)  # UTF-8 names, as browsers send them
        form.add_field("file", data, filename=name, content_type=content_type)
        body = await self.call("POST", "/uploads", data=form, status=201)
        upload_id = body["uploads"][0]["id"]
        assert isinstance(upload_id, str)
        return upload_id


@dataclass
class World:
    stack: Stack
    store: SqliteMailboxStore
    alice: Client
    smarthost: Smarthost


@pytest.fixture
async def world(
    smarthost: Smarthost,  # noqa: F811 - the fixture imported above; set up before the stack
    stack: Stack,
) -> AsyncIterator[World]:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{stack.http}/api/v1/session",
            json={"address": "alice@example.test", "password": PASSWORD},
        ) as resp:
            assert resp.status == 200
            token = (await resp.json())["token"]
        client = Client(http, stack.http, {"Authorization": f"Bearer {token}"})
        try:
            yield World(stack, store, client, smarthost)
        finally:
            await store.close()


async def received(world: World, recipient: str) -> EmailMessage:
    async def arrived() -> bool:
        return bool(world.smarthost.received_by(recipient))

    await eventually(arrived)
    return world.smarthost.received_by(recipient)[0].message()


def text_of(part: EmailMessage) -> str:
    """A text part's content with the wire's CRLF line ends read as newlines."""
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


async def folder_messages(world: World, address: str, role: FolderRole) -> list[Any]:
    account = await world.store.account_by_address(address)
    assert account is not None
    folder = await world.store.folder_by_role(account.id, role)
    return (await world.store.messages(account.id, folder.id)).items


async def test_the_smarthost_receives_headers_structure_attachments_and_no_bcc(
    world: World,
) -> None:
    report = b"%PDF-1.4 quarterly figures\x00\x01" * 1000
    photo = bytes(range(256)) * 64
    attachments = [
        {"upload_id": await world.alice.upload("report.pdf", report, "application/pdf")},
        {"upload_id": await world.alice.upload("été ☀.jpg", photo, "image/jpeg")},
    ]
    sent = await world.alice.call(
        "POST",
        "/send",
        status=202,
        json={
            "to": ["Bob Remote <bob@remote.test>"],
            "cc": [{"name": "Zoë Côté", "address": "zoe@remote.test"}],
            "bcc": ["hidden@remote.test"],
            "subject": "Réunion ☕ lundi",
            "text": "Bonjour,\nvoici le rapport.\n",
            "html": "<p>Bonjour,<br>voici le <b>rapport</b>.</p><script>alert(1)</script>",
            "attachments": attachments,
            "priority": "high",
            "request_receipt": True,
        },
    )
    assert sorted(sent["recipients"]) == sorted(
        ["bob@remote.test", "zoe@remote.test", "hidden@remote.test"]
    )
    message = await received(world, "bob@remote.test")
    accepted = world.smarthost.received_by("bob@remote.test")[0]
    assert accepted.mail_from == "alice@example.test"
    assert sorted(accepted.recipients) == sorted(sent["recipients"])
    assert b"hidden@remote.test" not in accepted.data and b"\nBcc:" not in accepted.data
    assert message["Subject"] == "Réunion ☕ lundi"
    assert b"=?utf-8?" in accepted.data.lower()  # encoded words, not raw 8-bit headers
    assert message["From"] == "alice@example.test"
    assert message["Cc"].addresses[0].display_name == "Zoë Côté"
    assert message["Message-ID"] == sent["message_id"]
    assert message["Date"] is not None
    assert message["X-Priority"].startswith("1") and message["Importance"] == "high"
    assert message["Disposition-Notification-To"] == "alice@example.test"
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("plain",))
    # Each body ends with a line break of its own, which reading back removes again.
    assert body is not None and text_of(body) == "Bonjour,\nvoici le rapport.\n\n"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<b>rapport</b>" in html.get_content()
    assert "<script>" not in html.get_content()
    files = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
    assert files == {"report.pdf": report, "été ☀.jpg": photo}

    # The copy in Sent keeps the Bcc, for its author.
    copies = await folder_messages(world, "alice@example.test", FolderRole.SENT)
    assert [m.id for m in copies] == [sent["id"]]
    account = await world.store.account_by_address("alice@example.test")
    assert account is not None
    copy = await world.store.message(account.id, sent["id"])
    assert ("Bcc", "hidden@remote.test") in copy.headers
    assert not copy.unread


async def test_signatures_personal_and_imposed_by_the_plan(world: World) -> None:
    await world.store.set_plan(Plan(name="pro", signature="Sent from the Pro office"))
    account = await world.store.account_by_address("alice@example.test")
    assert account is not None
    await world.store.assign_plan(account.id, "pro")
    identities = await world.alice.call("GET", "/identities")
    identity = identities["identities"][0]
    await world.alice.call(
        "PUT",
        f"/identities/{identity['id']}",
        json={
            "address": "alice@example.test",
            "name": "Alice Liddell",
            "signature_text": "Alice\nWonderland Ltd",
            "signature_auto": True,
        },
    )
    draft = await world.alice.call("GET", "/compose")
    assert draft["text"].endswith("-- \nAlice\nWonderland Ltd")
    await world.alice.call(
        "POST",
        "/send",
        status=202,
        json={
            "to": ["bob@remote.test"],
            "subject": "Signed",
            "text": "Hello\n" + draft["text"],
            "attachments": [{"vcard": True}],
        },
    )
    message = await received(world, "bob@remote.test")
    assert message["From"].addresses[0].display_name == "Alice Liddell"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = text_of(body)
    assert "-- \nAlice\nWonderland Ltd" in text
    assert text.rstrip().endswith("Sent from the Pro office")
    (card,) = list(message.iter_attachments())
    assert card.get_content_type() == "text/vcard"
    assert b"BEGIN:VCARD" in card.get_payload(decode=True)


async def test_a_local_recipient_gets_the_message_without_smtp(world: World) -> None:
    await world.alice.call(
        "POST",
        "/send",
        status=202,
        json={"to": ["bob@example.test"], "subject": "Next door", "text": "Hi Bob"},
    )

    async def in_inbox() -> list[Any]:
        return await folder_messages(world, "bob@example.test", FolderRole.INBOX)

    (message,) = await eventually(in_inbox)
    assert message.subject == "Next door"
    assert message.sender.address == "alice@example.test"
    await asyncio.sleep(0.3)
    assert world.smarthost.accepted == []


async def test_reply_and_forward_thread_and_keep_attachments(world: World) -> None:
    original_id = "<quarter@remote.test>"
    raw = make_raw(
        sender="Bob Remote <bob@remote.test>",
        to="alice@example.test",
        subject="Figures",
        body="Here are the figures.\n",
        attachment=("figures.xlsx", b"PK\x03\x04 sheet"),
        message_id=original_id,
    )
    await asyncio.to_thread(
        send, world.stack.smtp_port, raw, ["alice@example.test"], sender="bob@remote.test"
    )

    async def in_inbox() -> list[Any]:
        return await folder_messages(world, "alice@example.test", FolderRole.INBOX)

    (original,) = await eventually(in_inbox)
    answer = await world.alice.call("GET", f"/messages/{original.id}/reply")
    assert [a["address"] for a in answer["to"]] == ["bob@remote.test"]
    assert answer["subject"] == "Re: Figures"
    assert answer["in_reply_to"] == original_id and answer["references"] == [original_id]
    assert "> Here are the figures." in answer["text"]
    answer["text"] = "Thanks!\n\n" + answer["text"]
    del answer["from"]
    await world.alice.call("POST", "/send", status=202, json=answer)
    reply = await received(world, "bob@remote.test")
    assert reply["In-Reply-To"] == original_id
    assert reply["References"] == original_id
    assert reply["Subject"] == "Re: Figures"

    forward = await world.alice.call("GET", f"/messages/{original.id}/forward")
    assert forward["subject"] == "Fwd: Figures"
    forward["to"] = [{"name": "", "address": "carol@remote.test"}]
    forward["attachments"] = [
        {k: a[k] for k in ("message_id", "part")} for a in forward["attachments"]
    ]
    del forward["from"]
    await world.alice.call("POST", "/send", status=202, json=forward)
    forwarded = await received(world, "carol@remote.test")
    files = {a.get_filename(): a.get_content() for a in forwarded.iter_attachments()}
    assert files == {"figures.xlsx": b"PK\x03\x04 sheet"}
    body = forwarded.get_body(preferencelist=("plain",))
    assert body is not None and "Here are the figures." in text_of(body)


async def test_a_sent_draft_leaves_drafts_and_goes_out(world: World) -> None:
    draft = await world.alice.call(
        "POST",
        "/drafts",
        status=201,
        json={"to": ["bob@remote.test"], "subject": "Later", "text": "Draft text\n"},
    )
    drafts = await folder_messages(world, "alice@example.test", FolderRole.DRAFTS)
    assert [m.id for m in drafts] == [draft["id"]]
    await world.alice.call("POST", f"/drafts/{draft['id']}/send", status=202)
    message = await received(world, "bob@remote.test")
    assert message["Subject"] == "Later"
    assert await folder_messages(world, "alice@example.test", FolderRole.DRAFTS) == []
    assert len(await folder_messages(world, "alice@example.test", FolderRole.SENT)) == 1
