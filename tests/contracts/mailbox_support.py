"""Helpers shared by the mailbox contract suites."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from shared.events import new_event_id
from shared.model import Account, Folder, FolderRole, TagLimits, Upload
from shared.ports.mailbox import MailboxStore
from tests.factories import make_raw, new_message

BASE = datetime(2026, 1, 1, tzinfo=UTC)
BLOB_A = "sha256-" + "a" * 64
BLOB_B = "sha256-" + "b" * 64

# The adapter's test class provides `open_store`: an async function opening a store with
# the given `TagLimits` on one database, fresh for the test (several stores may be open on
# it at once, as processes are).
OpenStore = Callable[[TagLimits], Awaitable[MailboxStore]]


async def account_with_mail(
    store: MailboxStore, count: int, address: str = "alice@example.test"
) -> tuple[Account, Folder, list[str]]:
    """An account whose Inbox holds `count` messages, one hour apart; their ids, oldest first."""
    account = await store.create_account(address, "hash")
    inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
    ids = []
    for i in range(count):
        raw = make_raw(subject=f"message {i}", date=BASE + timedelta(hours=i), body=f"body {i}\n")
        ids.append((await store.deliver(new_message(account.id, inbox.id, raw))).message_id)
    return account, inbox, ids


async def role(store: MailboxStore, account: Account, which: FolderRole) -> Folder:
    return await store.folder_by_role(account.id, which)


async def folder_named(store: MailboxStore, account: Account, name: str) -> Folder | None:
    return next((f for f in await store.folders(account.id) if f.name == name), None)


def upload_of(account_id: str, blob_id: str, created_at: datetime, name: str = "a.pdf") -> Upload:
    return Upload(
        id=new_event_id(),
        account_id=account_id,
        blob_id=blob_id,
        filename=name,
        content_type="application/pdf",
        size=1234,
        created_at=created_at,
    )
