"""One order per account (issue 13, item 3): the journal's modseq order is the order in
which an account's changes commit.

Many tasks deliver into, flag, move and make folders in one account at once, through two
stores opened on the same database (as two processes are: the embedded run's gateway and
store service write one SQLite file), while a reader follows `changes_since`. Then: the
journal is gap-free and strictly increasing, the reader never met a change below one it
had seen, `highest_modseq` is the last entry, and the UIDs of a folder became visible in
increasing order.

The adapter's test class provides `open_store` (see `mailbox_support`): each
call opens another store on the test's one database.
"""

from __future__ import annotations

import asyncio
import random

from shared.events import ChangeKind, MailboxChanged
from shared.model import FlagChange, FolderRole, Selection, TagLimits
from shared.ports.mailbox import MailboxStore
from tests.contracts.mailbox_support import OpenStore
from tests.factories import make_raw, new_message

DELIVERERS = 8
DELIVERIES = 20  # each
FLAGGERS, FLAG_CHANGES = 2, 25
MOVERS, MOVES = 2, 15
FOLDERS = 8


class _Reader:
    """Follows the journal as a client does: from the last modseq it has seen."""

    def __init__(self, store: MailboxStore, account_id: str) -> None:
        self.store, self.account_id = store, account_id
        self.seen: list[MailboxChanged] = []
        self.went_back: list[tuple[int, int]] = []  # (seen up to, then met)

    @property
    def last(self) -> int:
        return self.seen[-1].modseq if self.seen else 0

    async def poll(self) -> None:
        for change in await self.store.changes_since(self.account_id, self.last):
            if change.modseq <= self.last:
                self.went_back.append((self.last, change.modseq))
            self.seen.append(change)

    async def follow(self, done: asyncio.Event) -> None:
        while not done.is_set():
            await self.poll()
            await asyncio.sleep(0.002)
        await self.poll()
        # Whatever was committed last: read until nothing more comes.
        while len(self.seen) != len(await self.store.changes_since(self.account_id, 0, 10_000)):
            await self.poll()


class OrderingContract:
    async def test_concurrent_changes_of_one_account_journal_in_one_order(
        self, open_store: OpenStore
    ) -> None:
        stores = [await open_store(TagLimits()), await open_store(TagLimits())]
        first = stores[0]
        account = await first.create_account("alice@example.test", "hash")
        inbox = await first.folder_by_role(account.id, FolderRole.INBOX)
        work = await first.create_folder(account.id, "Work", None)
        delivered: list[str] = []
        rng = random.Random(13)

        async def deliverer(n: int) -> None:
            store = stores[n % 2]
            for i in range(DELIVERIES):
                raw = make_raw(subject=f"{n}-{i}", body=f"deliverer {n}, message {i}\n")
                found = await store.deliver(new_message(account.id, inbox.id, raw))
                delivered.append(found.message_id)

        async def flagger(n: int) -> None:
            store = stores[n % 2]
            for i in range(FLAG_CHANGES):
                await asyncio.sleep(0)
                if delivered:
                    some = rng.sample(delivered, min(3, len(delivered)))
                    flags = FlagChange(flagged=i % 2 == 0, unread=i % 3 == 0)
                    await store.set_flags(account.id, Selection.of(*some), flags)

        async def mover(n: int) -> None:
            store = stores[(n + 1) % 2]
            for i in range(MOVES):
                await asyncio.sleep(0)
                if delivered:
                    target = work.id if i % 2 == 0 else inbox.id
                    picked = Selection.of(rng.choice(delivered))
                    await store.move_messages(account.id, picked, target)

        async def folder_maker() -> None:
            for i in range(FOLDERS):
                await stores[i % 2].create_folder(account.id, f"Project {i}", None)

        reader = _Reader(stores[1], account.id)
        done = asyncio.Event()
        following = asyncio.create_task(reader.follow(done))
        try:
            await asyncio.gather(
                *(deliverer(n) for n in range(DELIVERERS)),
                *(flagger(n) for n in range(FLAGGERS)),
                *(mover(n) for n in range(MOVERS)),
                folder_maker(),
            )
        finally:
            done.set()
            await following

        journal = await first.changes_since(account.id, 0, 10_000)
        modseqs = [c.modseq for c in journal]
        assert modseqs == list(range(1, len(journal) + 1)), "the journal has gaps or repeats"
        assert len(delivered) == DELIVERERS * DELIVERIES
        added = [c for c in journal if c.kind is ChangeKind.MESSAGE_ADDED]
        assert sorted(c.message_id or "" for c in added) == sorted(delivered)
        for store in stores:
            assert await store.highest_modseq(account.id) == modseqs[-1]

        assert reader.went_back == [], "a reader met changes below one it had seen"
        assert [c.event_id for c in reader.seen] == [c.event_id for c in journal]

        # UIDs enter each folder in increasing order, as the journal shows them arrive.
        last_uid: dict[str, int] = {}
        for change in reader.seen:
            entered = change.kind is ChangeKind.MESSAGE_ADDED or (
                change.kind is ChangeKind.MESSAGE_UPDATED and change.previous_folder_id
            )
            if entered and change.message is not None:
                uid = change.message.uid
                assert uid > last_uid.get(change.folder_id, 0), "a folder's UID went backwards"
                last_uid[change.folder_id] = uid
        for folder_id, uid in last_uid.items():
            assert (await first.folder(account.id, folder_id)).uidnext == uid + 1
        counted = await first.folder(account.id, inbox.id)
        listed = await first.folder_uids(account.id, inbox.id)
        assert counted.total == len(listed)
