"""The store's `mail.stored` event and read receipts (F48, F57), every part real: SMTP in,
the services on a nats-server, the SQLite store, and a plain nats client reading the
NOTIFY stream. The notify service is left out of the stack so that the events stay on
the stream (a work queue) to be read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import make_msgid

import nats
import pytest
from nats.js.errors import NotFoundError

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import MailDeliver, MailStored, NotifyRequest, derived_id, new_event_id
from shared.model import Account, FolderRole, MessageSummary
from shared.streams import MAIL, NOTIFY
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.stream_reader import events_on
from tests.integration.test_outbound import accounts
from tests.integration.test_pipeline import eventually, send

ALICE = "alice@example.test"


@pytest.fixture
def quiet_stack(stack_without_notify: Stack) -> Stack:
    """The stack without the notify service: the `mail.stored` events stay on the stream."""
    return stack_without_notify


async def stored_events(stack: Stack, count: int) -> list[tuple[MailStored, str]]:
    """The `mail.stored` events on the NOTIFY stream, each with its Nats-Msg-Id, once at
    least `count` are there (read by sequence: no consumer takes them away)."""
    return await events_on(stack.nats_url, NOTIFY, MailStored, count)


async def inbox_message(
    store: SqliteMailboxStore, account: Account, subject: str
) -> MessageSummary | None:
    inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
    items = (await store.messages(account.id, inbox.id)).items
    return next((m for m in items if m.subject == subject), None)


def with_headers(raw: bytes, *headers: str) -> bytes:
    """`raw` with header lines put in front (CRLF, as on the wire)."""
    return b"".join(h.encode() + b"\r\n" for h in headers) + raw


async def test_each_delivery_publishes_mail_stored(quiet_stack: Stack) -> None:
    store = await accounts(quiet_stack, ALICE)
    try:
        alice = await store.account_by_address(ALICE)
        assert alice is not None
        inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
        plain = make_raw(subject="Lunch on Friday")
        listed = with_headers(
            make_raw(subject="[dev] weekly digest", sender="dev@lists.example.net"),
            "List-Id: Developers <dev.lists.example.net>",
        )
        bulk = with_headers(make_raw(subject="Offers"), "Precedence: bulk")
        replied = with_headers(make_raw(subject="Out of office"), "Auto-Submitted: auto-replied")
        person = with_headers(make_raw(subject="Not automatic"), "Auto-Submitted: no")
        for raw in (plain, listed, bulk, replied, person):
            await asyncio.to_thread(send, quiet_stack.smtp_port, raw, [ALICE])

        events = {e.subject: (e, msg_id) for e, msg_id in await stored_events(quiet_stack, 5)}
        assert len(events) == 5
        event, msg_id = events["Lunch on Friday"]
        summary = await inbox_message(store, alice, "Lunch on Friday")
        assert summary is not None
        assert (event.account_id, event.message_id) == (alice.id, summary.id)
        assert (event.folder_id, event.folder_role) == (inbox.id, "inbox")
        assert event.unread and event.sender == "Bob Martin <bob@example.net>"
        assert event.received_at == summary.received_at and event.notify == []
        assert event.event_id == derived_id(event.deliver_event_id, "stored") == msg_id
        automatic = {subject: e.automatic for subject, (e, _) in events.items()}
        assert automatic == {
            "Lunch on Friday": False,
            "[dev] weekly digest": True,
            "Offers": True,
            "Out of office": True,
            "Not automatic": False,
        }
        assert events["[dev] weekly digest"][0].sender == "dev@lists.example.net"
    finally:
        await store.close()


async def test_a_redelivery_publishes_the_same_event_once(quiet_stack: Stack) -> None:
    store = await accounts(quiet_stack, ALICE)
    nc = await nats.connect(quiet_stack.nats_url)
    try:
        alice = await store.account_by_address(ALICE)
        assert alice is not None
        raw = make_raw(subject="Delivered twice")
        deliver = MailDeliver(
            event_id=new_event_id(),
            received_event_id=new_event_id(),
            account_id=alice.id,
            recipient=ALICE,
            unread=False,
            notify=[NotifyRequest(channel="sms")],
            blob_id=await FsBlobStore(quiet_stack.data_dir / "blobs").put(raw),
            size=len(raw),
            received_at=datetime.now(UTC),
        )
        js = nc.jetstream()
        # Two copies, as a redelivery after the MAIL stream's duplicate window would be.
        for _ in range(2):
            ack = await js.publish(
                MailDeliver.SUBJECT,
                deliver.model_dump_json().encode(),
                headers={"Nats-Msg-Id": new_event_id()},
            )

            async def handled(seq: int = ack.seq) -> bool:
                try:
                    await js.get_msg(MAIL.name, seq)
                except NotFoundError:
                    return True  # acknowledged by the store: gone from the work queue
                return False

            await eventually(handled)
        [(event, _)] = await stored_events(quiet_stack, 1)
        assert event.event_id == derived_id(deliver.event_id, "stored")
        assert event.notify == [NotifyRequest(channel="sms")] and not event.unread
        summary = await inbox_message(store, alice, "Delivered twice")
        assert summary is not None and event.message_id == summary.id
    finally:
        await nc.close()
        await store.close()


async def test_a_message_asking_for_a_receipt_lands_pending(quiet_stack: Stack) -> None:
    store = await accounts(quiet_stack, ALICE)
    try:
        alice = await store.account_by_address(ALICE)
        assert alice is not None
        await store.add_alias(alice.id, "al@example.test")
        message_id = make_msgid(domain="example.net")
        asking = with_headers(
            make_raw(subject="Please confirm", message_id=message_id),
            "Disposition-Notification-To: Bob Martin <Bob@Example.NET>, other@example.net",
        )
        own = with_headers(
            make_raw(subject="Note to self", sender=f"Alice <{ALICE}>"),
            f"Disposition-Notification-To: {ALICE}",
        )
        from_alias = with_headers(
            make_raw(subject="From my alias", sender="al@example.test"),
            "Disposition-Notification-To: al@example.test",
        )
        broken = with_headers(
            make_raw(subject="Broken request"), "Disposition-Notification-To: not an address"
        )
        for raw in (asking, own, from_alias, broken):
            await asyncio.to_thread(send, quiet_stack.smtp_port, raw, [ALICE])
        await stored_events(quiet_stack, 4)

        pending = await inbox_message(store, alice, "Please confirm")
        assert pending is not None and pending.receipt == "pending"
        for subject in ("Note to self", "From my alias", "Broken request"):
            summary = await inbox_message(store, alice, subject)
            assert summary is not None and summary.receipt is None, subject

        [request] = await store.receipt_requests(alice.id)
        assert (request.message_id, request.to) == (pending.id, "bob@example.net")
        assert request.subject == "Please confirm"
        # Settled once, whatever the number of callers: the address goes to one of them.
        settled = await asyncio.gather(
            *(store.settle_receipt(alice.id, pending.id, "sent") for _ in range(4))
        )
        assert (settled.count("bob@example.net"), settled.count(None)) == (1, 3)
        assert (await store.message(alice.id, pending.id)).receipt == "sent"
        assert await store.receipt_requests(alice.id) == []
    finally:
        await store.close()
