"""The notify service with real parts: nats-server, every service of the stack, the
SQLite store, and a local aiohttp server playing the SMS and fax provider (F3, F4, F57).

Mail comes in over SMTP and the store announces it (`mail.stored`); channel requests are
published on the bus as outbound hands them over.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import aiohttp
import nats
import pytest
from aiohttp import web
from pypdf import PdfReader

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import ChannelRequest, MailStored, NotifyRequest, new_event_id
from shared.mail.mime import parse_message
from shared.model import (
    Account,
    FlagChange,
    FolderRole,
    NewMessage,
    Notifications,
    Phone,
    Plan,
    Profile,
    Selection,
)
from shared.runtime.bus import JetStreamPublisher, make_broker
from tests.conftest import Stack
from tests.factories import make_pdf, make_raw
from tests.integration.test_outbound import accounts
from tests.integration.test_pipeline import eventually, send

PASSWORD = "correct horse"
MOBILE = "+32475123456"


@dataclass
class Provider:
    """Plays the SMS and fax provider: records each request, answers as scripted (one
    status per request, then 200)."""

    url: str = ""
    requests: list[tuple[str, Any]] = field(default_factory=list)
    script: deque[int] = field(default_factory=deque)

    def sms(self) -> list[Any]:
        return [body for path, body in self.requests if path == "/sms"]

    def faxes(self) -> list[Any]:
        return [body for path, body in self.requests if path == "/fax"]


@pytest.fixture
async def provider(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Provider]:
    state = Provider()

    async def handle(request: web.Request) -> web.StreamResponse:
        state.requests.append((request.path, await request.json()))
        status = state.script.popleft() if state.script else 200
        if status == 200:
            return web.json_response({"id": f"p-{len(state.requests)}"})
        return web.json_response({"error": "scripted"}, status=status)

    app = web.Application()
    app.router.add_post("/{kind}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("BUREAU_CHANNEL", "http")
    monkeypatch.setenv("BUREAU_CHANNEL_ENDPOINT", f"{state.url}/sms")
    monkeypatch.setenv("BUREAU_CHANNEL_FAX_ENDPOINT", f"{state.url}/fax")
    monkeypatch.setenv("BUREAU_CHANNEL_BEARER_TOKEN", "provider-token")
    monkeypatch.setenv(
        "BUREAU_CHANNEL_SMS_TEMPLATE",
        '{"to": "{number}", "parts": "{parts}", "reference": "{reference}"}',
    )
    monkeypatch.setenv("BUREAU_CHANNEL_RETRY_FIRST", "0.2")
    monkeypatch.setenv("BUREAU_CHANNEL_RETRY_MAX", "0.5")
    monkeypatch.setenv("BUREAU_HOSTNAME", "mail.example.test")
    yield state
    await runner.cleanup()


@dataclass
class World:
    stack: Stack
    store: SqliteMailboxStore
    blobs: FsBlobStore
    publisher: JetStreamPublisher
    provider: Provider
    alice: Account


@pytest.fixture
async def world(
    provider: Provider,  # set up before the stack, which reads its settings
    stack: Stack,
) -> AsyncIterator[World]:
    store = await accounts(stack, "alice@example.test")
    alice = await store.account_by_address("alice@example.test")
    assert alice is not None
    await store.set_plan(Plan(name="sms-4", sms_credit=4))
    await store.assign_plan(alice.id, "sms-4")
    broker = make_broker(stack.nats_url, "test-notify")
    await broker.connect()
    try:
        yield World(
            stack, store, FsBlobStore(stack.data_dir / "blobs"), JetStreamPublisher(broker),
            provider, alice,
        )  # fmt: skip
    finally:
        await broker.stop()
        await store.close()


async def request_channel(
    world: World,
    kind: str,
    raw: bytes,
    number: str = MOBILE,
    queued_at: datetime | None = None,
) -> ChannelRequest:
    event_id = new_event_id()
    event = ChannelRequest(
        event_id=event_id, kind=kind, reference=event_id,  # type: ignore[arg-type]
        account_id=world.alice.id, mail_from="alice@example.test",
        recipient=f"{number}@{kind}", number=number, blob_id=await world.blobs.put(raw),
        size=len(raw), queued_at=queued_at or datetime.now(UTC),
    )  # fmt: skip
    await world.publisher.publish(event)
    return event


def long_text(parts: int) -> str:
    """A GSM 7-bit text of exactly `parts` SMS parts (153 characters each)."""
    return ("Lorem ipsum dolor sit amet. " * 60)[: 153 * parts - 10]


async def inbox(world: World) -> list[Any]:
    """Alice's Inbox as the HTTP API lists it, newest first."""
    folder = await world.store.folder_by_role(world.alice.id, FolderRole.INBOX)
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{world.stack.http}/api/v1/session",
            json={"address": "alice@example.test", "password": PASSWORD},
        ) as resp:
            token = (await resp.json())["token"]
        async with http.get(
            f"{world.stack.http}/api/v1/folders/{folder.id}/messages",
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            assert resp.status == 200
            items: list[Any] = (await resp.json())["items"]
            return items


def subjects(items: list[Any]) -> list[str]:
    return [item["subject"] for item in items]


async def notifications(world: World, count: int) -> list[str] | None:
    found = [s for s in subjects(await inbox(world)) if s.startswith("New message from")]
    return found if len(found) == count else None


async def sms_used(world: World) -> int:
    return await world.store.sms_used(world.alice.id, datetime.now(UTC))


# --- SMS and fax recipients (channel.request) ---------------------------------------------


async def test_sms_goes_in_parts_and_is_debited_per_part(world: World) -> None:
    raw = make_raw(subject="Long", body=long_text(3), attachment=("big.bin", b"\0" * 5000))
    event = await request_channel(world, "sms", raw)

    async def sent() -> list[Any]:
        return world.provider.sms()

    (sms,) = await eventually(sent)
    assert sms["to"] == MOBILE
    assert sms["reference"] == event.reference
    assert len(sms["parts"]) == 3
    assert "".join(sms["parts"]) == long_text(3)
    assert await sms_used(world) == 3


async def test_provider_5xx_is_retried_then_delivered_and_debited_once(world: World) -> None:
    world.provider.script.extend([503, 502])
    event = await request_channel(world, "sms", make_raw(body=long_text(2)))

    async def delivered() -> bool:
        return len(world.provider.sms()) == 3

    await eventually(delivered)
    assert {sms["reference"] for sms in world.provider.sms()} == {event.reference}
    assert await sms_used(world) == 2
    assert subjects(await inbox(world)) == []  # no bounce


async def test_provider_refusal_bounces_to_the_sender(world: World) -> None:
    world.provider.script.append(400)
    await request_channel(world, "sms", make_raw(subject="To a landline", body="Hi"))

    async def bounced() -> list[Any]:
        return await inbox(world)

    (bounce,) = await eventually(bounced)
    assert bounce["subject"] == "Undelivered Mail Returned to Sender"
    stored = await world.store.message(world.alice.id, bounce["id"])
    assert f"{MOBILE}@sms" in stored.text_body
    assert "answered 400" in stored.text_body
    assert len(world.provider.sms()) == 1  # a refusal is not retried


async def test_temporary_failures_past_the_retry_period_bounce(world: World) -> None:
    world.provider.script.append(503)
    queued = datetime.now(UTC) - timedelta(days=2)  # the period is one day
    await request_channel(world, "sms", make_raw(body="Late"), queued_at=queued)

    async def bounced() -> list[Any]:
        return await inbox(world)

    (bounce,) = await eventually(bounced)
    stored = await world.store.message(world.alice.id, bounce["id"])
    assert "gave up after retrying" in stored.text_body
    assert "answered 503" in stored.text_body
    assert len(world.provider.sms()) == 1


async def test_fax_is_one_pdf_cover_then_attachment(world: World) -> None:
    msg = EmailMessage()
    msg["From"] = "alice@example.test"
    msg["To"] = "+3225123456@fax"
    msg["Subject"] = "Signed offer"
    msg.set_content("Dear Sir,\nthe signed offer follows.")
    msg.add_attachment(
        make_pdf("Offer page one"), maintype="application", subtype="pdf", filename="offer.pdf"
    )
    await request_channel(world, "fax", msg.as_bytes(policy=policy.SMTP), number="+3225123456")

    async def faxed() -> list[Any]:
        return world.provider.faxes()

    (fax,) = await eventually(faxed)
    assert fax["to"] == "+3225123456"
    reader = PdfReader(io.BytesIO(base64.b64decode(fax["document"])))
    assert len(reader.pages) == 2
    cover = reader.pages[0].extract_text()
    assert "Signed offer" in cover and "the signed offer follows." in cover
    assert "Offer page one" in reader.pages[1].extract_text()
    assert await sms_used(world) == 0


# --- new-mail notifications (mail.stored) -------------------------------------------------


async def test_credit_runs_out_sms_bounce_and_stop_while_email_goes_on(world: World) -> None:
    """Credit 4: an SMS of 3 parts goes, the next of 3 bounces; a notification takes the
    last part, and the next one goes by e-mail only."""
    await world.store.set_profile(world.alice.id, Profile(phones=[Phone(kind="mobile",
                                  number="+32 475 12 34 56")]))  # fmt: skip
    prefs = await world.store.preferences(world.alice.id)
    prefs.notifications = Notifications(email="each", sms="each")
    await world.store.set_preferences(world.alice.id, prefs)

    await request_channel(world, "sms", make_raw(body=long_text(3)))

    async def first_sent() -> bool:
        return len(world.provider.sms()) == 1 and await sms_used(world) == 3

    await eventually(first_sent)
    await request_channel(world, "sms", make_raw(subject="One too many", body=long_text(3)))

    async def bounced() -> list[str]:
        return [s for s in subjects(await inbox(world)) if s.startswith("Undelivered")]

    await eventually(bounced)
    assert len(world.provider.sms()) == 1
    assert await sms_used(world) == 3

    for n, subject in enumerate(["Lunch?", "Dinner?"], start=1):
        raw = make_raw(sender="Bob Martin <bob@example.net>", subject=subject)
        await asyncio.to_thread(send, world.stack.smtp_port, raw, ["alice@example.test"])

        async def notified(n: int = n) -> list[str] | None:
            return await notifications(world, n)

        await eventually(notified, timeout=20)

    assert sorted(await notifications(world, 2) or []) == [
        "New message from Bob Martin <bob@example.net>: Dinner?",
        "New message from Bob Martin <bob@example.net>: Lunch?",
    ]
    texts = [sms["parts"] for sms in world.provider.sms()]
    assert texts[1:] == [["New mail from Bob Martin: Lunch?"]]
    assert world.provider.sms()[1]["to"] == MOBILE
    assert await sms_used(world) == 4


async def notify_idle(world: World) -> None:
    """Until the notify consumer has settled everything on its stream."""
    nc = await nats.connect(world.stack.nats_url)
    try:
        js = nc.jetstream()

        async def idle() -> bool:
            info = await js.consumer_info("NOTIFY", "notify")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(idle)
    finally:
        await nc.close()


async def wait_idle(world: World, stored: list[MailStored], message_id: str) -> None:
    """Until `mail.stored` for `message_id` was published and the notify consumer has
    settled everything it was given."""

    async def seen() -> bool:
        return any(e.message_id == message_id for e in stored)

    await eventually(seen)
    await notify_idle(world)


async def test_first_unread_only_versus_each(world: World) -> None:
    prefs = await world.store.preferences(world.alice.id)
    prefs.notifications = Notifications(email="first", sms="off")
    await world.store.set_preferences(world.alice.id, prefs)
    inbox_id = (await world.store.folder_by_role(world.alice.id, FolderRole.INBOX)).id
    stored: list[MailStored] = []
    nc = await nats.connect(world.stack.nats_url)

    async def observe(msg: Any) -> None:
        stored.append(MailStored.model_validate(json.loads(msg.data)))

    await nc.subscribe(MailStored.SUBJECT, cb=observe)
    try:

        async def deliver(subject: str) -> str:
            raw = make_raw(subject=subject)
            await asyncio.to_thread(send, world.stack.smtp_port, raw, ["alice@example.test"])

            async def arrived() -> str | None:
                items = [i for i in await inbox(world) if i["subject"] == subject]
                return items[0]["id"] if items else None

            message_id = await eventually(arrived)
            await wait_idle(world, stored, message_id)
            return message_id

        await deliver("First")
        assert await eventually(lambda: notifications(world, 1)) == [
            "New message from Bob Martin <bob@example.net>: First"
        ]
        await deliver("Second, while First is unread")
        assert await notifications(world, 1) is not None  # no notification for it

        await world.store.set_flags(
            world.alice.id, Selection(folder_id=inbox_id), FlagChange(unread=False)
        )
        await deliver("Third, all read before")
        assert await eventually(lambda: notifications(world, 2)) is not None

        prefs.notifications = Notifications(email="each", sms="off")
        await world.store.set_preferences(world.alice.id, prefs)
        await deliver("Fourth, each")
        assert sorted(await eventually(lambda: notifications(world, 3)) or []) == [
            "New message from Bob Martin <bob@example.net>: First",
            "New message from Bob Martin <bob@example.net>: Fourth, each",
            "New message from Bob Martin <bob@example.net>: Third, all read before",
        ]
    finally:
        await nc.close()


async def test_a_filters_notify_actions_in_any_folder_once(world: World) -> None:
    """Notification preferences off; a filter's notify actions still notify, for mail in
    a user folder, by e-mail to the default address and by SMS to a given number, once
    however often `mail.stored` comes."""
    archive = await world.store.create_folder(world.alice.id, "Archive", None)
    raw = make_raw(sender="Carol <carol@example.org>", subject="Build 42 failed")
    delivery = await world.store.deliver(
        NewMessage(
            event_id=new_event_id(), account_id=world.alice.id, folder_id=archive.id,
            blob_id=await world.blobs.put(raw), size=len(raw), received_at=datetime.now(UTC),
            parsed=parse_message(raw),
        )
    )  # fmt: skip
    for _ in range(2):  # the second, as after a redelivery, notifies nobody again
        await world.publisher.publish(
            MailStored(
                event_id=new_event_id(), deliver_event_id=new_event_id(),
                account_id=world.alice.id, message_id=delivery.message_id,
                folder_id=archive.id, folder_role=None, sender="Carol <carol@example.org>",
                subject="Build 42 failed", received_at=datetime.now(UTC),
                notify=[NotifyRequest(channel="email"),
                        NotifyRequest(channel="sms", addresses=["+32 470 11 22 33"])],
            )
        )  # fmt: skip
    await eventually(lambda: notifications(world, 1))
    await notify_idle(world)
    assert await notifications(world, 1) == [
        "New message from Carol <carol@example.org>: Build 42 failed"
    ]
    [sms] = world.provider.sms()
    assert sms["to"] == "+32470112233"
    assert sms["parts"] == ["New mail from Carol: Build 42 failed"]
    assert await sms_used(world) == 1
