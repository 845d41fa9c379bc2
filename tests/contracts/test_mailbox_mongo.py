"""The MongoDB mailbox store against the mailbox contracts (skips without a server), and
what only this adapter has to prove: a batch is one transaction, refused whole when the
account moved on; the migration computes the counters and finishes the changes an earlier
release left half done; the relay reads each account's entries in modseq order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.store.adapters.mongo import MongoMailboxStore
from services.store.adapters.mongo_documents import now_ms
from services.store.adapters.mongo_migrations import migrate
from services.store.core.backend import Batch, MessagePatch, Stale
from shared.events import ChangeKind
from shared.model import FlagChange, FolderRole, Selection, TagLimits
from shared.ports.mailbox import NotFound
from tests.contracts.mailbox_contract import MailboxStoreContract
from tests.contracts.mailbox_ordering_contract import OrderingContract
from tests.contracts.mailbox_support import OpenStore, account_with_mail
from tests.remote import fresh_database


async def _as_version_4(store: MongoMailboxStore) -> None:
    """The documents as the release before the counters left them."""
    db = store._db  # the adapter's own collections: this is its test
    await db.folders.update_many({}, {"$unset": {"total": "", "unread": "", "bytes": ""}})
    await db.accounts.update_many({}, {"$unset": {"used_bytes": ""}})
    await db.accounts.database["meta"].update_one(
        {"_id": "schema"}, {"$set": {"version": 4}}, upsert=True
    )


class TestMongoMailboxStore(
    MailboxStoreContract,
    OrderingContract,
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

    async def test_a_stale_batch_writes_nothing(self, store: MongoMailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 1)
        backend = store._backend  # the adapter's own backend: this is its test
        flagged = MessagePatch(message_id=ids[0], modseq=2, flagged=True)
        bigger = (await backend.snapshot(account.id)).folders[0].model_copy(update={"total": 9})
        stale = Batch(account.id, expect_modseq=0, modseq=2, patched=[flagged], folders=[bigger])
        with pytest.raises(Stale):
            await backend.apply(stale)
        assert not (await store.message(account.id, ids[0])).flagged
        assert (await store.folder(account.id, inbox.id)).total == 1
        assert await store.highest_modseq(account.id) == 1

    async def test_of_two_batches_read_at_one_modseq_one_lands(
        self, store: MongoMailboxStore
    ) -> None:
        account, _, ids = await account_with_mail(store, 1)
        backend = store._backend
        batches = [
            Batch(account.id, 1, 2, patched=[MessagePatch(ids[0], 2, flagged=True)]),
            Batch(account.id, 1, 2, patched=[MessagePatch(ids[0], 2, unread=False)]),
        ]
        outcomes = await asyncio.gather(
            *(backend.apply(b) for b in batches), return_exceptions=True
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "Stale"]
        message = await store.message(account.id, ids[0])
        assert message.flagged != (not message.unread)  # one of the two, never both
        assert await store.highest_modseq(account.id) == 2

    async def test_migration_counts_the_mail_of_an_earlier_release(
        self, store: MongoMailboxStore
    ) -> None:
        account, inbox, ids = await account_with_mail(store, 3)
        await store.set_flags(account.id, Selection.of(ids[0]), FlagChange(unread=False))
        await store.trash_messages(account.id, Selection.of(ids[1]))
        trash = await store.folder_by_role(account.id, FolderRole.TRASH)
        before = await store.quota(account.id)
        await _as_version_4(store)
        await migrate(store._db)
        inbox_after = await store.folder(account.id, inbox.id)
        assert (inbox_after.total, inbox_after.unread) == (2, 1)
        assert (await store.folder(account.id, trash.id)).total == 1
        assert await store.quota(account.id) == before
        assert before.used_bytes > before.trash_bytes > 0

    async def test_migration_finishes_a_change_left_half_done(
        self, store: MongoMailboxStore
    ) -> None:
        account, inbox, ids = await account_with_mail(store, 2)
        db = store._db
        # As the release before transactions left a removal cut off by a crash: the
        # modseq taken, the document marked, no journal entry, the document still there.
        mark = {"kind": ChangeKind.MESSAGE_REMOVED.value, "modseq": 3, "at": now_ms()}
        await db.accounts.update_one({"_id": account.id}, {"$set": {"modseq": 3}})
        await db.messages.update_one({"_id": ids[0]}, {"$set": {"pending": mark}})
        await _as_version_4(store)
        await migrate(db)
        with pytest.raises(NotFound):
            await store.message(account.id, ids[0])
        [removed] = await store.changes_since(account.id, 2)
        assert (removed.kind, removed.message_id, removed.modseq) == (
            ChangeKind.MESSAGE_REMOVED,
            ids[0],
            3,
        )
        assert await store.orphan_blobs() == []  # ids[1] has the same bytes
        assert (await store.folder(account.id, inbox.id)).total == 1
        await store.set_flags(account.id, Selection.of(ids[1]), FlagChange(flagged=True))
        assert [c.modseq for c in await store.changes_since(account.id, 2)] == [3, 4]

    async def test_the_relay_reads_each_account_in_modseq_order(
        self, store: MongoMailboxStore
    ) -> None:
        first, _, ids = await account_with_mail(store, 3, "alice@example.test")
        second, _, _ = await account_with_mail(store, 3, "bob@example.test")
        await store.set_flags(first.id, Selection.of(*ids), FlagChange(flagged=True))
        pending = await store.unpublished_changes()
        for account in (first, second):
            seen = [c.modseq for c in pending if c.account_id == account.id]
            assert seen == sorted(seen) and len(seen) == len(set(seen))
        assert len(pending) == 6 + 3
        assert (await store.journal_backlog()).entries == len(pending)

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
