"""Helpers shared by the mailbox contract suites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.model import Account, Folder, FolderRole
from shared.ports.mailbox import MailboxStore
from tests.factories import make_raw, new_message

BASE = datetime(2026, 1, 1, tzinfo=UTC)


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
