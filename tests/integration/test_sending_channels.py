"""SMS and fax recipients in the send path (F3, F4) with every part real: the services on a
nats-server, the SQLite store, an aiosmtpd smarthost, HTTP and SMTP clients over loopback.

What leaves for a number is a `channel.request` on the NOTIFY stream, read here with a
plain nats client. The notify service is left out of the stack so that the requests stay
on the stream (a work queue) to be read.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import smtplib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import nats
import pytest

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import ChannelRequest, OutboundRequest, new_event_id
from shared.model import FolderRole, Plan
from shared.runtime.bus import JetStreamPublisher, make_broker
from shared.streams import NOTIFY
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.smarthost import Smarthost
from tests.integration.stream_reader import events_on
from tests.integration.test_outbound import accounts, smarthost  # noqa: F401 - fixture
from tests.integration.test_pipeline import eventually
from tests.integration.test_submission import Ports, login, ports  # noqa: F401 - fixture

PASSWORD = "correct horse"
ALICE = "alice@example.test"


@pytest.fixture
def channel_stack(stack_without_notify: Stack) -> Stack:
    """The stack without the notify service: the `channel.request` events stay on the stream."""
    return stack_without_notify


@dataclass
class World:
    stack: Stack
    store: SqliteMailboxStore
    smarthost: Smarthost
    ports: Ports
    http: aiohttp.ClientSession
    token: str

    async def call(self, method: str, path: str, *, status: int, **kwargs: Any) -> Any:
        async with self.http.request(
            method,
            f"{self.stack.http}/api/v1{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            **kwargs,
        ) as resp:
            body = await resp.json()
            assert resp.status == status, body
            return body

    async def channel_requests(self, count: int) -> list[tuple[ChannelRequest, str]]:
        """The first `count` channel requests on the NOTIFY stream, each with its
        Nats-Msg-Id; fails unless exactly `count` arrive."""
        requests = await events_on(self.stack.nats_url, NOTIFY, ChannelRequest, count)
        assert len(requests) == count, requests
        return requests

    async def sent_copies(self) -> list[email.message.EmailMessage]:
        alice = await self.store.account_by_address(ALICE)
        assert alice is not None
        sent = await self.store.folder_by_role(alice.id, FolderRole.SENT)
        blobs = FsBlobStore(self.stack.data_dir / "blobs")
        out = []
        for summary in (await self.store.messages(alice.id, sent.id)).items:
            stored = await self.store.message(alice.id, summary.id)
            raw = await blobs.get(stored.blob_id)
            out.append(email.message_from_bytes(raw, policy=email.policy.default))
        return out


@pytest.fixture
async def world(
    ports: Ports,  # noqa: F811 - the fixtures imported above; set up before the stack
    smarthost: Smarthost,  # noqa: F811
    channel_stack: Stack,
) -> AsyncIterator[World]:
    store = await accounts(channel_stack, ALICE, "bob@example.test")
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{channel_stack.http}/api/v1/session",
            json={"address": ALICE, "password": PASSWORD},
        ) as resp:
            assert resp.status == 200
            token = (await resp.json())["token"]
        try:
            yield World(channel_stack, store, smarthost, ports, http, token)
        finally:
            await store.close()


async def test_http_send_to_e_mail_sms_and_fax_recipients(world: World) -> None:
    sent = await world.call(
        "POST",
        "/send",
        status=202,
        json={
            "to": ["Bob <bob@remote.test>", "+32475123456@SMS"],
            "cc": ["3225123456@fax"],
            "subject": "Numbers and mail",
            "text": "Call me back.\n",
        },
    )
    assert sent["recipients"] == ["bob@remote.test", "+32475123456@SMS", "3225123456@fax"]

    async def delivered() -> bool:
        return bool(world.smarthost.received_by("bob@remote.test"))

    await eventually(delivered)
    assert [a.recipients for a in world.smarthost.accepted] == [["bob@remote.test"]]

    requests = sorted(await world.channel_requests(2), key=lambda r: r[0].kind, reverse=True)
    alice = await world.store.account_by_address(ALICE)
    assert alice is not None
    blobs = FsBlobStore(world.stack.data_dir / "blobs")
    wire = world.smarthost.received_by("bob@remote.test")[0]
    for (request, msg_id), (kind, recipient, number) in zip(
        requests,
        [("sms", "+32475123456@SMS", "+32475123456"), ("fax", "3225123456@fax", "+3225123456")],
        strict=True,
    ):
        assert (request.kind, request.recipient, request.number) == (kind, recipient, number)
        assert request.account_id == alice.id and request.mail_from == ALICE
        assert request.reference == request.event_id == msg_id  # JetStream deduplicates by it
        assert request.queued_at == datetime.fromisoformat(sent["queued_at"])
        assert request.attempt == 0 and request.not_before is None
        message = await blobs.get(request.blob_id)
        assert request.size == len(message)
        # The same bytes as the e-mail recipient got, but for the smarthost's trace field.
        assert wire.data.endswith(message)

    # The Sent copy keeps the numbers in its headers as they were written.
    (copy,) = await world.sent_copies()
    assert copy["To"] == "Bob <bob@remote.test>, +32475123456@SMS"
    assert copy["Cc"] == "3225123456@fax"


async def test_a_draft_keeps_its_numbers_and_sends_to_them(world: World) -> None:
    saved = await world.call(
        "POST",
        "/drafts",
        status=201,
        json={"to": ["bob@remote.test"], "bcc": ["0032475123456@FAX"], "text": "Later.\n"},
    )
    draft = await world.call("GET", f"/drafts/{saved['id']}", status=200)
    assert [a["address"] for a in draft["bcc"]] == ["0032475123456@FAX"]
    await world.call("POST", f"/drafts/{saved['id']}/send", status=202)
    ((request, _),) = await world.channel_requests(1)
    assert (request.kind, request.number) == ("fax", "+32475123456")
    assert request.recipient == "0032475123456@FAX"


async def test_http_refuses_bad_numbers_and_counts_numbers_as_recipients(world: World) -> None:
    for number, reason in [
        ("0475123456@sms", "known country code"),  # a national number: no country code
        ("+32475@SMS", "not a valid number for country code +32"),
    ]:
        body = await world.call(
            "POST",
            "/send",
            status=422,
            json={"to": ["bob@remote.test", number], "subject": "x", "text": "x"},
        )
        assert body["error"]["code"] == "invalid_recipient"
        assert number in body["error"]["message"] and reason in body["error"]["message"]

    await world.store.set_plan(Plan(name="small", recipients_per_message=2))
    alice = await world.store.account_by_address(ALICE)
    assert alice is not None
    await world.store.assign_plan(alice.id, "small")
    body = await world.call(
        "POST",
        "/send",
        status=422,
        json={"to": ["bob@remote.test", "+32475123456@sms", "3225123456@FAX"], "text": "x"},
    )
    assert body["error"]["code"] == "recipients_per_message"

    assert await world.sent_copies() == []  # nothing was sent
    nc = await nats.connect(world.stack.nats_url)
    try:
        state = (await nc.jetstream().stream_info(NOTIFY.name)).state
    finally:
        await nc.close()
    assert state.messages == 0


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the embedded run's certificate is self-signed
    return context


def _submit(port: int) -> list[tuple[int, str]]:
    """One submission over STARTTLS with AUTH: every reply, in order."""
    raw = make_raw(sender=ALICE, to="bob@remote.test, +32475123456@SMS", subject="By SMTP")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.starttls(context=_insecure())
        client.ehlo("client.example.test")
        assert login(client)[0] == 235
        replies = [client.mail(ALICE)]
        for recipient in [
            "bob@remote.test",
            "+32475123456@SMS",
            "0032475123456@sms",  # the same number again: one recipient
            "0475123456@sms",  # a national number
            "+32475@sms",
        ]:
            replies.append(client.rcpt(f"<{recipient}>"))
        replies.append(client.data(raw))
    return [(code, text.decode()) for code, text in replies]


def _mx_relay(port: int) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("client.example.test")
        client.mail("someone@elsewhere.test")
        return client.rcpt("<+32475123456@sms>")


async def test_submission_over_smtp_and_the_mx_relays_nothing(world: World) -> None:
    replies = await asyncio.to_thread(_submit, world.ports.starttls)
    codes = [code for code, _ in replies]
    assert codes == [250, 250, 250, 250, 553, 553, 250], replies
    assert replies[4][1].startswith("5.1.3 invalid recipient 0475123456@sms:")
    assert "known country code" in replies[4][1]
    assert "not a valid number for country code +32" in replies[5][1]

    ((request, _),) = await world.channel_requests(1)
    assert (request.kind, request.number, request.mail_from) == ("sms", "+32475123456", ALICE)
    assert request.recipient == "+32475123456@sms"

    async def delivered() -> bool:
        return bool(world.smarthost.received_by("bob@remote.test"))

    await eventually(delivered)

    code, text = await asyncio.to_thread(_mx_relay, world.stack.smtp_port)
    assert code == 550, text


async def test_a_bad_number_queued_by_other_means_bounces_at_once(world: World) -> None:
    """A request that did not come through `shared.workflows.sending` (a filter's forward) may
    hold a number that is not valid: it bounces (5.1.3); the good number and address go on."""
    broker = make_broker(world.stack.nats_url, "test-sender")
    await broker.connect()
    try:
        raw = make_raw(sender=ALICE, to="bob@example.test", subject="Forwarded")
        await JetStreamPublisher(broker).publish(
            OutboundRequest(
                event_id=new_event_id(),
                mail_from=ALICE,
                recipients=["bob@example.test", "0475123456@sms", "+3225123456@fax"],
                blob_id=await FsBlobStore(world.stack.data_dir / "blobs").put(raw),
                size=len(raw),
                queued_at=datetime.now().astimezone(),
            )
        )
    finally:
        await broker.stop()

    async def inbox(address: str) -> list[str]:
        account = await world.store.account_by_address(address)
        assert account is not None
        folder = await world.store.folder_by_role(account.id, FolderRole.INBOX)
        return [m.subject for m in (await world.store.messages(account.id, folder.id)).items]

    async def bounced() -> list[str]:
        return await inbox(ALICE)

    (subject,) = await eventually(bounced)
    assert "Forwarded" in await inbox("bob@example.test")
    ((request, _),) = await world.channel_requests(1)
    assert (request.kind, request.number) == ("fax", "+3225123456")
    assert "failure" in subject.lower() or "undeliver" in subject.lower(), subject
    alice = await world.store.account_by_address(ALICE)
    assert alice is not None
    inbox_folder = await world.store.folder_by_role(alice.id, FolderRole.INBOX)
    (summary,) = (await world.store.messages(alice.id, inbox_folder.id)).items
    stored = await world.store.message(alice.id, summary.id)
    dsn = await FsBlobStore(world.stack.data_dir / "blobs").get(stored.blob_id)
    assert b"Final-Recipient: rfc822; 0475123456@sms" in dsn
    assert b"Status: 5.1.3" in dsn
    assert b"3225123456@fax" not in dsn  # handed over, not failed
