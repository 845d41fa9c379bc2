"""The mailbox core's serialisation: a change that finds its account moved on reads and
decides again, a bounded number of times; per-account locks do not outlive their use.
Real SQLite throughout: two stores on one file stand for two processes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.store.adapters.sqlite import SqliteMailboxStore
from services.store.adapters.sqlite.backend import SqliteBackend
from services.store.adapters.sqlite.schema import migrate
from services.store.core import flags, serial
from services.store.core.change import Change
from services.store.core.serial import AccountLocks, Unsettled, settle
from shared.model import FlagChange, FolderRole, Selection
from shared.runtime.sqlite import SqliteDatabase
from tests.contracts.mailbox_support import account_with_mail


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[SqliteMailboxStore, SqliteBackend]]:
    path = tmp_path / "mailboxes.sqlite3"
    store = await SqliteMailboxStore.open(path)
    db = SqliteDatabase(path, migrate)
    await db.open()
    yield store, SqliteBackend(db)
    await db.close()
    await store.close()


async def test_a_stale_change_is_decided_again(
    stores: tuple[SqliteMailboxStore, SqliteBackend],
) -> None:
    other, backend = stores
    account, inbox, ids = await account_with_mail(other, 2)
    attempts = 0

    async def decide() -> tuple[Change, list[str]]:
        nonlocal attempts
        attempts += 1
        change = Change(await backend.snapshot(account.id, message_ids=ids))
        if attempts == 1:  # another process commits between this read and its batch
            await other.set_flags(account.id, Selection.of(ids[1]), FlagChange(flagged=True))
        return change, flags.change_flags(change, ids[:1], FlagChange(unread=False), None, None)

    assert await settle(backend, AccountLocks(), account.id, decide) == ids[:1]
    assert attempts == 2
    journal = await other.changes_since(account.id, 0)
    assert [c.modseq for c in journal] == list(range(1, len(journal) + 1))
    assert (await other.folder(account.id, inbox.id)).unread == 1


async def test_an_account_that_never_settles_is_an_error(
    stores: tuple[SqliteMailboxStore, SqliteBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    other, backend = stores
    monkeypatch.setattr(serial, "ATTEMPTS", 3)
    account, _, ids = await account_with_mail(other, 1)

    async def decide() -> tuple[Change, list[str]]:
        change = Change(await backend.snapshot(account.id, message_ids=ids))
        await other.create_folder(account.id, f"moved on {change.modseq}", None)
        return change, flags.change_flags(change, ids, FlagChange(flagged=True), None, None)

    with pytest.raises(Unsettled, match="gave up after 3 attempts"):
        await settle(backend, AccountLocks(), account.id, decide)
    assert not (await other.message(account.id, ids[0])).flagged


async def test_account_locks_go_when_unused(
    stores: tuple[SqliteMailboxStore, SqliteBackend],
) -> None:
    store, _ = stores
    for n in range(20):
        account = await store.create_account(f"user{n}@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        await store.create_folder(account.id, "Work", None)
        await store.set_flags(account.id, Selection(folder_id=inbox.id), FlagChange(flagged=True))
    gc.collect()
    assert len(store._locks) == 0
