"""Trash purge after the retention, and blob collection after the grace period."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from services.store.housekeeping import Housekeeping
from shared.model import FolderRole, Selection, Upload
from shared.ports.mailbox import NotFound
from tests.factories import make_raw, new_message


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[tuple[SqliteMailboxStore, FsBlobStore]]:
    store = await SqliteMailboxStore.open(tmp_path / "m.sqlite3")
    yield store, FsBlobStore(tmp_path / "blobs")
    await store.close()


RAW = make_raw(subject="kept or not")


async def deliver(store: SqliteMailboxStore, blobs: FsBlobStore, account_id: str) -> str:
    raw = RAW
    blob_id = await blobs.put(raw)
    inbox = await store.folder_by_role(account_id, FolderRole.INBOX)
    message = new_message(account_id, inbox.id, raw, blob_id=blob_id)
    return (await store.deliver(message)).message_id


async def test_trash_is_purged_after_each_accounts_retention(
    parts: tuple[SqliteMailboxStore, FsBlobStore],
) -> None:
    store, blobs = parts
    alice = await store.create_account("alice@example.test", "h")
    bob = await store.create_account("bob@example.test", "h")
    prefs = await store.preferences(bob.id)
    await store.set_preferences(bob.id, prefs.model_copy(update={"trash_retention_days": 60}))
    for account in (alice, bob):
        await store.trash_messages(
            account.id, Selection.of(await deliver(store, blobs, account.id))
        )
    clock = Clock()
    keeper = Housekeeping(store, blobs, interval=60, blob_grace=0, clock=clock)
    clock.now += timedelta(days=29)
    assert await keeper.purge_trash() == 0
    clock.now += timedelta(days=2)
    assert await keeper.purge_trash() == 1  # alice's, after 30 days; bob keeps 60
    clock.now += timedelta(days=30)
    assert await keeper.purge_trash() == 1


async def test_orphan_blobs_wait_for_the_grace_period(
    parts: tuple[SqliteMailboxStore, FsBlobStore],
) -> None:
    store, blobs = parts
    alice = await store.create_account("alice@example.test", "h")
    message_id = await deliver(store, blobs, alice.id)
    blob_id = (await store.message(alice.id, message_id)).blob_id
    await store.destroy_messages(alice.id, Selection.of(message_id))
    clock = Clock()
    keeper = Housekeeping(store, blobs, interval=60, blob_grace=3600, clock=clock)
    assert await keeper.collect_blobs() == 0 and await blobs.exists(blob_id)
    clock.now += timedelta(hours=2)
    assert await keeper.collect_blobs() == 1
    assert not await blobs.exists(blob_id)
    assert await store.orphan_blobs() == []


async def test_a_blob_brought_back_by_new_mail_is_kept(
    parts: tuple[SqliteMailboxStore, FsBlobStore],
) -> None:
    store, blobs = parts
    alice = await store.create_account("alice@example.test", "h")
    message_id = await deliver(store, blobs, alice.id)
    blob_id = (await store.message(alice.id, message_id)).blob_id
    await store.destroy_messages(alice.id, Selection.of(message_id))
    clock = Clock()
    clock.now += timedelta(hours=2)
    keeper = Housekeeping(store, blobs, interval=60, blob_grace=3600, clock=clock)
    await deliver(store, blobs, alice.id)  # the same bytes arrive again
    assert await keeper.collect_blobs() == 0
    assert await blobs.exists(blob_id)
    assert await store.orphan_blobs() == []  # referenced again: no longer an orphan


async def test_uploads_expire_after_their_lifetime_then_their_blobs_go(
    parts: tuple[SqliteMailboxStore, FsBlobStore],
) -> None:
    store, blobs = parts
    alice = await store.create_account("alice@example.test", "h")
    clock = Clock()
    blob_id = await blobs.put(b"an attachment being composed")
    upload = Upload(
        id="u1",
        account_id=alice.id,
        blob_id=blob_id,
        filename="a.txt",
        content_type="text/plain",
        size=28,
        created_at=clock.now,
    )
    await store.add_upload(upload)
    keeper = Housekeeping(
        store, blobs, interval=60, blob_grace=3600, upload_lifetime=86400, clock=clock
    )
    clock.now += timedelta(hours=23)
    await keeper.run_once()
    assert await store.upload(alice.id, "u1") == upload
    clock.now += timedelta(hours=2)
    assert await keeper.expire_uploads() == 1
    with pytest.raises(NotFound):
        await store.upload(alice.id, "u1")
    assert [b for b, _ in await store.orphan_blobs()] == [blob_id]
    await keeper.run_once()
    assert not await blobs.exists(blob_id)
    assert await store.orphan_blobs() == []
