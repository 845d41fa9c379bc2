"""Service handlers on FastStream's in-memory TestNatsBroker (no server): the fast tier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from faststream.nats import JStream, NatsBroker, TestNatsBroker

from services.filters.service import FiltersService
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from services.store.service import StoreService
from services.store.settings import StoreSettings
from shared.events import MailDeliver, MailReceived, derived_id
from shared.model import FolderRole
from shared.runtime.bus import JetStreamPublisher
from shared.settings import CommonSettings
from shared.streams import MAIL
from tests.factories import make_raw


@pytest.fixture
async def mailbox(tmp_path: Path) -> AsyncIterator[SqliteMailboxStore]:
    store = await SqliteMailboxStore.open(tmp_path / "m.sqlite3")
    yield store
    await store.close()


def received(rcpt: list[str], blob_id: str = "sha256-" + "1" * 64) -> MailReceived:
    return MailReceived(
        event_id="ev1",
        blob_id=blob_id,
        size=10,
        mail_from="bob@example.net",
        rcpt_to=rcpt,
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def test_filters_delivers_once_per_account(
    mailbox: SqliteMailboxStore, tmp_path: Path
) -> None:
    alice = await mailbox.create_account("alice@example.test", "h")
    await mailbox.create_account("carol@example.test", "h")
    broker = NatsBroker()
    FiltersService(
        CommonSettings(),
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        publisher=JetStreamPublisher(broker),
    ).subscribe(broker)
    calls: list[MailDeliver] = []

    @broker.subscriber(MailDeliver.SUBJECT, stream=JStream(MAIL.name, declare=False))
    async def _sink(event: MailDeliver) -> None:
        calls.append(event)

    async with TestNatsBroker(broker) as br:
        await br.publish(
            received(
                [
                    "alice+news@example.test",
                    "ALICE@example.test",
                    "carol@example.test",
                    "gone@example.test",
                ]
            ).model_dump_json(),
            MailReceived.SUBJECT,
        )
    assert len(calls) == 2  # alice once (plus-address and plain), carol once, gone@ dropped
    first = next(c for c in calls if c.account_id == alice.id)
    assert first.recipient == "alice+news@example.test"
    assert first.folder_role == FolderRole.INBOX
    assert first.event_id == derived_id("ev1", alice.id)  # stable across redeliveries


async def test_store_handler_is_idempotent(mailbox: SqliteMailboxStore, tmp_path: Path) -> None:
    alice = await mailbox.create_account("alice@example.test", "h")
    blobs = FsBlobStore(tmp_path / "blobs")
    raw = make_raw(subject="stored once")
    blob_id = await blobs.put(raw)
    broker = NatsBroker()
    StoreService(
        StoreSettings(), mailbox=mailbox, blobs=blobs, publisher=JetStreamPublisher(broker)
    ).subscribe(broker)
    event = MailDeliver(
        event_id="d1",
        received_event_id="ev1",
        account_id=alice.id,
        recipient="alice@example.test",
        blob_id=blob_id,
        size=len(raw),
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    async with TestNatsBroker(broker) as br:
        for _ in range(3):
            await br.publish(event.model_dump_json(), MailDeliver.SUBJECT)
    inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
    page = await mailbox.messages(alice.id, inbox.id)
    assert [m.subject for m in page.items] == ["stored once"]


async def test_store_handler_failure_is_not_acked(
    mailbox: SqliteMailboxStore, tmp_path: Path
) -> None:
    """A missing blob raises inside the handler: the message is nacked for redelivery."""
    alice = await mailbox.create_account("alice@example.test", "h")
    broker = NatsBroker()
    service = StoreService(
        StoreSettings(),
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        publisher=JetStreamPublisher(broker),
    )
    service.subscribe(broker)
    event = MailDeliver(
        event_id="d1",
        received_event_id="ev1",
        account_id=alice.id,
        recipient="alice@example.test",
        blob_id="sha256-" + "2" * 64,
        size=1,
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    async with TestNatsBroker(broker) as br:
        await br.publish(event.model_dump_json(), MailDeliver.SUBJECT)
    inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
    assert (await mailbox.messages(alice.id, inbox.id)).total == 0
