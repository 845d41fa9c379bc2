"""Housekeeping (`shared.ports.housekeeping.Housekeeping`): Trash purged by age and emptied
to make room (F40), uploads expired, blobs no message or upload uses listed and settled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.model import Plan, Selection
from shared.ports.mailbox import MailboxStore, NotFound
from tests.contracts.mailbox_support import BASE, BLOB_A, BLOB_B, account_with_mail, upload_of


class HousekeepingContract:
    """The contract of `Housekeeping`."""

    async def test_purge_and_make_room(self, store: MailboxStore) -> None:
        account, _inbox, ids = await account_with_mail(store, 4)
        await store.trash_messages(account.id, Selection.of(ids[0], ids[1]))
        later = BASE.replace(year=2100)
        removal = await store.purge_trash(account.id, BASE)  # nothing trashed before 2026
        assert removal.message_ids == []
        removal = await store.purge_trash(account.id, later)
        assert sorted(removal.message_ids) == sorted(ids[:2])
        await store.trash_messages(account.id, Selection.of(ids[2]))
        used = (await store.quota(account.id)).used_bytes
        await store.set_plan(Plan(name="small", storage_bytes=used))
        await store.assign_plan(account.id, "small")
        quota = await store.quota(account.id)
        assert quota.trash_bytes > 0 and quota.admits(quota.trash_bytes)
        removal = await store.make_room(account.id, 1)
        assert removal.message_ids == [ids[2]]
        assert (await store.quota(account.id)).trash_bytes == 0

    async def test_orphan_blobs(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 2)  # both share one blob id
        await store.copy_messages(account.id, Selection.of(ids[0]), inbox.id)
        blob = (await store.message(account.id, ids[0])).blob_id
        await store.destroy_messages(account.id, Selection.of(ids[0]))
        assert await store.orphan_blobs() == []  # the copy and ids[1] still use it
        await store.destroy_messages(account.id, Selection(folder_id=inbox.id))
        orphans = await store.orphan_blobs()
        assert [b for b, _ in orphans] == [blob]
        assert await store.settle_orphan(blob) is True
        assert await store.orphan_blobs() == []

    async def test_expired_uploads_leave_their_blobs_to_collect(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        now = datetime.now(UTC)
        old = now - timedelta(days=2)
        gone = await store.add_upload(upload_of(alice.id, BLOB_A, old))
        shared_old = await store.add_upload(upload_of(alice.id, BLOB_B, old))
        kept = await store.add_upload(upload_of(alice.id, BLOB_B, now))
        assert await store.expire_uploads(now - timedelta(days=1)) == 2
        for upload in (gone, shared_old):
            with pytest.raises(NotFound):
                await store.upload(alice.id, upload.id)
        assert await store.upload(alice.id, kept.id) == kept
        # BLOB_A is used by nothing now; BLOB_B still by the newer upload.
        assert [b for b, _ in await store.orphan_blobs()] == [BLOB_A]
        assert await store.settle_orphan(BLOB_A) is True
        assert await store.expire_uploads(now - timedelta(days=1)) == 0
        assert await store.expire_uploads(now + timedelta(seconds=1)) == 1
        assert [b for b, _ in await store.orphan_blobs()] == [BLOB_B]

    async def test_expiry_goes_a_batch_at_a_time(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        old = datetime.now(UTC) - timedelta(days=2)
        for i in range(3):
            await store.add_upload(upload_of(alice.id, BLOB_A, old + timedelta(seconds=i)))
        cutoff = datetime.now(UTC)
        assert await store.expire_uploads(cutoff, limit=2) == 2
        assert await store.orphan_blobs() == []  # the third upload still uses the blob
        assert await store.expire_uploads(cutoff, limit=2) == 1
        assert [b for b, _ in await store.orphan_blobs()] == [BLOB_A]

    async def test_an_upload_keeps_its_blob_from_collection(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 2)  # both messages share one blob
        blob = (await store.message(account.id, ids[0])).blob_id
        # A blob a message uses stays off the orphan list when an upload of it expires.
        await store.add_upload(upload_of(account.id, blob, datetime.now(UTC)))
        assert await store.expire_uploads(datetime.now(UTC) + timedelta(seconds=1)) == 1
        assert await store.orphan_blobs() == []
        # Removed with its last message, then uploaded again before the collector came by.
        await store.destroy_messages(account.id, Selection.of(*ids))
        assert [b for b, _ in await store.orphan_blobs()] == [blob]
        await store.add_upload(upload_of(account.id, blob, datetime.now(UTC)))
        assert await store.settle_orphan(blob) is False
        assert await store.orphan_blobs() == []
        assert await store.expire_uploads(datetime.now(UTC) + timedelta(seconds=1)) == 1
        assert [b for b, _ in await store.orphan_blobs()] == [blob]
