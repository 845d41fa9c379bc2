"""Mailbox store port: the only owner of accounts, folders, messages and the change journal.

Every mutation writes, in the same transaction, an entry of the account's change journal
with the next modification sequence (modseq). The store service relays unpublished
entries to `mailbox.changed.<account>`; see `services/store/relay.py`.
"""

from __future__ import annotations

from typing import Protocol

from shared.events import MailboxChanged
from shared.model import (
    Account,
    Delivery,
    Folder,
    FolderRole,
    MessageSummary,
    NewMessage,
    Page,
    StoredMessage,
)


class NotFound(LookupError):
    """The thing does not exist for this account (other accounts' ids look the same)."""


class AccountExists(ValueError):
    """An account with this address already exists."""


class MailboxStore(Protocol):
    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        """Create the account (its domain on demand) with its system folders.

        `address` is stored lower-cased. Raises `AccountExists`.
        """
        ...

    async def account_by_address(self, address: str) -> Account | None:
        """The account whose address is exactly `address` (case-insensitive)."""
        ...

    async def account(self, account_id: str) -> Account | None: ...

    # --- folders --------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        """Every folder of the account with its total and unread counts."""
        ...

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        """Raises `NotFound`."""
        ...

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        """Raises `NotFound`."""
        ...

    # --- messages -------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        """Add a message, idempotent by (`account_id`, `event_id`).

        A second call with the same event returns the first call's message id with
        `created=False` and changes nothing. Computes the thread id from Message-ID,
        In-Reply-To and References, updates the folder counters and journals
        `message.added`.
        """
        ...

    async def messages(
        self, account_id: str, folder_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        """Messages of a folder, newest first. Raises `NotFound` for an unknown folder."""
        ...

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        """Raises `NotFound`."""
        ...

    # --- change journal -------------------------------------------------------------
    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        """Journal entries not yet relayed to the bus, oldest first."""
        ...

    async def mark_published(self, change_ids: list[str]) -> None: ...

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        """Journal entries of one account with a modseq above `modseq`, in order."""
        ...

    async def close(self) -> None: ...
