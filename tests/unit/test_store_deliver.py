"""The store service applies a `mail.deliver` fully (F25-F27): the filter's folder, flags,
tags by name, a comment and the matched filters, idempotently; on FastStream's in-memory
TestNatsBroker (no server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from faststream.nats import NatsBroker, TestNatsBroker

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from services.store.service import TAG_COLOR, StoreService
from services.store.settings import StoreSettings
from shared.events import MailDeliver
from shared.mail.mime import parse_message
from shared.model import Account, FolderRole, NewMessage, Tag
from shared.runtime.bus import JetStreamPublisher
from tests.factories import make_raw


@pytest.fixture
async def mailbox(tmp_path: Path) -> AsyncIterator[SqliteMailboxStore]:
    store = await SqliteMailboxStore.open(tmp_path / "m.sqlite3")
    yield store
    await store.close()


@pytest.fixture
def blobs(tmp_path: Path) -> FsBlobStore:
    return FsBlobStore(tmp_path / "blobs")


def service_of(mailbox: SqliteMailboxStore, blobs: FsBlobStore, broker: NatsBroker) -> StoreService:
    service = StoreService(
        StoreSettings(), mailbox=mailbox, blobs=blobs, publisher=JetStreamPublisher(broker)
    )
    service.subscribe(broker)
    return service


async def deliver_event(account: Account, blobs: FsBlobStore, **decided: Any) -> MailDeliver:
    raw = make_raw(subject="from the boss")
    return MailDeliver(
        event_id="d1",
        received_event_id="ev1",
        account_id=account.id,
        recipient=account.address,
        blob_id=await blobs.put(raw),
        size=len(raw),
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        **decided,
    )


async def publish(broker: NatsBroker, event: MailDeliver, times: int = 1) -> None:
    async with TestNatsBroker(broker) as br:
        for _ in range(times):
            await br.publish(event.model_dump_json(), MailDeliver.SUBJECT)


async def test_a_delivery_lands_as_the_filters_decided_once(
    mailbox: SqliteMailboxStore, blobs: FsBlobStore
) -> None:
    alice = await mailbox.create_account("alice@example.test", "h")
    work = await mailbox.create_folder(alice.id, "Work", None)
    await mailbox.create_tag(alice.id, "boss", "#ff0000")
    event = await deliver_event(
        alice,
        blobs,
        folder_id=work.id,
        unread=False,
        flagged=True,
        tags=["boss", "urgent", " urgent "],
        comment="answer by Friday",
        filters=["f1", "f2"],
    )
    broker = NatsBroker()
    service_of(mailbox, blobs, broker)
    await publish(broker, event)
    journal = await mailbox.changes_since(alice.id, 0)
    await publish(broker, event, times=2)  # redeliveries change nothing more
    assert await mailbox.changes_since(alice.id, 0) == journal

    page = await mailbox.messages(alice.id, work.id)
    assert [m.subject for m in page.items] == ["from the boss"]
    inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
    assert (await mailbox.messages(alice.id, inbox.id)).total == 0
    message = await mailbox.message(alice.id, page.items[0].id)
    assert not message.unread and message.flagged
    assert message.tags == ["boss", "urgent"]
    assert message.comment == "answer by Friday"
    assert message.filters == ["f1", "f2"]
    tags = {t.name: t.color for t in await mailbox.tags(alice.id)}
    assert tags == {"boss": "#ff0000", "urgent": TAG_COLOR}  # one of each, the old kept


async def test_a_gone_folder_falls_back_to_the_role(
    mailbox: SqliteMailboxStore, blobs: FsBlobStore
) -> None:
    alice = await mailbox.create_account("alice@example.test", "h")
    event = await deliver_event(alice, blobs, folder_id="no-such-folder", folder_role="trash")
    broker = NatsBroker()
    service_of(mailbox, blobs, broker)
    await publish(broker, event)
    trash = await mailbox.folder_by_role(alice.id, FolderRole.TRASH)
    [stored] = (await mailbox.messages(alice.id, trash.id)).items
    assert stored.unread and not stored.flagged and stored.tags == []
    assert (await mailbox.message(alice.id, stored.id)).filters == []


async def test_another_accounts_folder_is_not_used(
    mailbox: SqliteMailboxStore, blobs: FsBlobStore
) -> None:
    alice = await mailbox.create_account("alice@example.test", "h")
    bob = await mailbox.create_account("bob@example.test", "h")
    bobs = await mailbox.create_folder(bob.id, "Bob's", None)
    event = await deliver_event(alice, blobs, folder_id=bobs.id)
    broker = NatsBroker()
    service_of(mailbox, blobs, broker)
    await publish(broker, event)
    inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
    assert (await mailbox.messages(alice.id, inbox.id)).total == 1
    assert (await mailbox.messages(bob.id, bobs.id)).total == 0


async def test_a_cut_off_delivery_is_finished_by_the_redelivery(
    mailbox: SqliteMailboxStore, blobs: FsBlobStore
) -> None:
    alice = await mailbox.create_account("alice@example.test", "h")
    event = await deliver_event(alice, blobs, tags=["news"], comment="read later")
    inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
    # As if the first attempt stopped right after storing the message.
    first = await mailbox.deliver(
        NewMessage(
            event_id=event.event_id,
            account_id=alice.id,
            folder_id=inbox.id,
            blob_id=event.blob_id,
            size=event.size,
            received_at=event.received_at,
            parsed=parse_message(await blobs.get(event.blob_id)),
        )
    )
    broker = NatsBroker()
    service_of(mailbox, blobs, broker)
    await publish(broker, event)
    [stored] = (await mailbox.messages(alice.id, inbox.id)).items
    assert stored.id == first.message_id and stored.tags == ["news"]
    assert (await mailbox.message(alice.id, stored.id)).comment == "read later"


async def test_a_tag_created_meanwhile_is_looked_up(
    mailbox: SqliteMailboxStore, blobs: FsBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent delivery creates the tag between the look-up and the creation: the
    Conflict means it exists."""
    alice = await mailbox.create_account("alice@example.test", "h")
    raced = await mailbox.create_tag(alice.id, "news", "#00ff00")
    real_tags = mailbox.tags
    calls = 0

    async def stale_then_real(account_id: str) -> list[Tag]:
        nonlocal calls
        calls += 1
        return [] if calls == 1 else await real_tags(account_id)

    monkeypatch.setattr(mailbox, "tags", stale_then_real)
    event = await deliver_event(alice, blobs, tags=["news"])
    broker = NatsBroker()
    service_of(mailbox, blobs, broker)
    await publish(broker, event)
    inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
    [stored] = (await mailbox.messages(alice.id, inbox.id)).items
    assert stored.tags == ["news"]
    assert await real_tags(alice.id) == [raced]
