"""The MongoDB mailbox store against the mailbox contract (skips without a server), and
what only this adapter has to prove: without transactions, a change cut off between its
write and its journal entry is journaled afterwards, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from services.store.adapters import mongo_journal
from services.store.adapters.mongo import MongoMailboxStore
from services.store.adapters.mongo_documents import pending
from services.store.adapters.mongo_journal import allocate_modseqs, change_message
from shared.events import ChangeKind
from shared.model import FlagChange, FolderRole, Selection, TagLimits
from shared.ports.mailbox import NotFound
from tests.contracts.mailbox_contract import MailboxStoreContract
from tests.contracts.mailbox_support import OpenStore, account_with_mail
from tests.factories import make_raw, new_message
from tests.remote import fresh_database


async def _cut_off(
    store: MongoMailboxStore, account_id: str, message_id: str, kind: ChangeKind, update: dict
) -> int:
    """A change written as a crash would leave it: the document changed and marked, the
    journal entry not written. Returns its modseq."""
    db = store._db  # the adapter's own collections: this is its test
    modseq = await allocate_modseqs(db, account_id, 1)
    where = {"_id": message_id, "account_id": account_id}
    assert await change_message(db, where, update, pending(kind, modseq)) is not None
    return modseq


class TestMongoMailboxStore(
    MailboxStoreContract,
):
    @pytest.fixture
    async def store(self, mongodb_uri: str) -> AsyncIterator[MongoMailboxStore]:
        async with fresh_database(mongodb_uri) as database:
            store = await MongoMailboxStore.open(mongodb_uri, database)
            try:
                yield store
            finally:
                await store.close()

    @pytest.fixture
    async def open_store(self, mongodb_uri: str) -> AsyncIterator[OpenStore]:
        async with fresh_database(mongodb_uri) as database:
            opened: list[MongoMailboxStore] = []

            async def open_store(limits: TagLimits) -> MongoMailboxStore:
                opened.append(await MongoMailboxStore.open(mongodb_uri, database, limits=limits))
                return opened[-1]

            try:
                yield open_store
            finally:
                for store in opened:
                    await store.close()

    async def test_cut_off_change_is_journaled_before_the_next(
        self, store: MongoMailboxStore
    ) -> None:
        account, _, ids = await account_with_mail(store, 2)
        update = {"$set": {"flagged": True}}
        modseq = await _cut_off(store, account.id, ids[0], ChangeKind.MESSAGE_UPDATED, update)
        assert await store.changes_since(account.id, modseq - 1) == []
        await store.set_flags(account.id, Selection.of(ids[1]), FlagChange(flagged=True))
        changes = await store.changes_since(account.id, modseq - 1)
        assert [c.message_id for c in changes] == ids
        assert changes[0].modseq == modseq and changes[0].message is not None
        assert changes[0].message.flagged

    async def test_cut_off_removal_is_finished(self, store: MongoMailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 2)
        modseq = await _cut_off(store, account.id, ids[0], ChangeKind.MESSAGE_REMOVED, {})
        await store.set_flags(account.id, Selection.of(), FlagChange(flagged=True))  # any change
        with pytest.raises(NotFound):
            await store.message(account.id, ids[0])
        [removed] = await store.changes_since(account.id, modseq - 1)
        assert (removed.kind, removed.message_id) == (ChangeKind.MESSAGE_REMOVED, ids[0])
        assert await store.orphan_blobs() == []  # ids[1] has the same bytes
        assert (await store.folder(account.id, inbox.id)).total == 1

    async def test_relay_sweep_journals_stale_changes(
        self, store: MongoMailboxStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        account, _, ids = await account_with_mail(store, 1)
        await store.mark_published([c.event_id for c in await store.unpublished_changes()])
        update = {"$set": {"unread": False}}
        modseq = await _cut_off(store, account.id, ids[0], ChangeKind.MESSAGE_UPDATED, update)
        monkeypatch.setattr(mongo_journal, "_STALE", timedelta(minutes=-1))  # all are stale
        [change] = await store.unpublished_changes()
        assert (change.modseq, change.message_id) == (modseq, ids[0])

    async def test_redelivery_after_a_cut_off_delivery_journals_once(
        self, store: MongoMailboxStore
    ) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        message = new_message(account.id, inbox.id, make_raw())
        delivery = await store.deliver(message)
        [entry] = await store.changes_since(account.id, 0)
        # As if the process died after the insert: marked, and no entry yet.
        await store._db.journal.delete_many({})
        mark = pending(ChangeKind.MESSAGE_ADDED, entry.modseq)
        await store._db.messages.update_one(
            {"_id": delivery.message_id}, {"$set": {"pending": mark}}
        )
        again = await store.deliver(message)
        assert not again.created and again.message_id == delivery.message_id
        assert [c.event_id for c in await store.changes_since(account.id, 0)] == [entry.event_id]
        assert await store.deliver(message) == again
        assert len(await store.changes_since(account.id, 0)) == 1

    async def test_recent_searches_are_kept_by_one_atomic_update(
        self, store: MongoMailboxStore
    ) -> None:
        account = await store.create_account("alice@example.test", "hash")
        await store.remember_search(account.id, "older")
        # The same query remembered by several requests at once is there once, first.
        await asyncio.gather(*(store.remember_search(account.id, "budget") for _ in range(8)))
        assert await store.recent_searches(account.id) == ["budget", "older"]

    async def test_recent_searches_keep_queries_as_typed(self, store: MongoMailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        # In an update pipeline "$…" names a field: the queries must stay literal.
        for query in ("$queries", "$$ROOT", "from:alice $5", "$queries"):
            await store.remember_search(account.id, query, keep=3)
        assert await store.recent_searches(account.id) == ["$queries", "from:alice $5", "$$ROOT"]
        await store.remember_search(account.id, "x", keep=0)
        assert await store.recent_searches(account.id) == []

    async def test_remembering_for_an_unknown_account_is_refused(
        self, store: MongoMailboxStore
    ) -> None:
        with pytest.raises(NotFound):
            await store.remember_search("nobody", "budget")
