"""The narrow port under the mailbox core: what a storage engine does for it.

The core (`services.store.core`) holds every mail rule: the folder tree, system folders,
Trash and purge, UID and modseq assignment, counters and quota, thread keys and the
journal. A backend only persists. It answers the reads a change needs (`snapshot` and
the small lookups beside it), applies one `Batch` of writes atomically with its
precondition, and serves the range reads and listing queries clients page through.

The precondition is the account's modseq: every change that journals reads it in its
snapshot and writes `expect_modseq` → `modseq`; `apply` refuses with `Stale` when the
account moved on in between, and the core reads again and retries. So, for every
account, journal order is commit order (see docs/ARCHITECTURE.md, "One order per
account").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.events import MailboxChanged
from shared.model import (
    Folder,
    MessageSummary,
    NewMessage,
    Page,
    ReceiptState,
    SortKey,
    StoredMessage,
    Tag,
    ThreadKey,
    UidEntry,
)
from shared.ports.mailbox import JournalBacklog


class Stale(Exception):
    """The account changed between a change's snapshot and its batch: read again."""


class FolderRecord(Folder):
    """A folder as stored: the public `Folder` with what only the rules need."""

    trashed_at: datetime | None = None  # when it was moved into Trash (F38 purge)
    bytes: int = 0  # the size of the messages directly in it (quota's Trash share)


class MessageRecord(MessageSummary):
    """A message as the rules see it: its summary, when it went to Trash, its comment."""

    trashed_at: datetime | None = None
    comment: str | None = None  # set_comment changes nothing when the text is the same


@dataclass(frozen=True)
class AccountState:
    account_id: str
    modseq: int  # the last modseq given
    uidvalidity: int  # the last UIDVALIDITY given (never reused, RFC 9051 §2.3.1.1)
    used_bytes: int
    plan: str | None
    limit_bytes: int | None  # the plan's storage, None: unlimited


@dataclass
class Snapshot:
    """What one change reads before it decides: the account's counters, its folders (in
    listing order: system folders first, then by creation), and the messages asked for
    (those of another account, or gone, are absent)."""

    account: AccountState
    folders: list[FolderRecord]
    messages: dict[str, MessageRecord] = field(default_factory=dict)
    tags: list[Tag] | None = None  # only when asked for
    delivered: str | None = None  # the message stored for `event_id`, when asked and found
    thread_id: str | None = None  # the thread of `parents`, when asked and found


@dataclass(frozen=True)
class NewRow:
    """A delivered message to insert, with what the core decided for it."""

    message_id: str
    message: NewMessage
    thread_id: str
    uid: int
    modseq: int


@dataclass(frozen=True)
class CopyRow:
    """A copy of a stored message (same blob, content and flags) under a new id."""

    message_id: str
    source_id: str
    folder_id: str
    uid: int
    modseq: int


@dataclass(frozen=True)
class MessagePatch:
    """New values for one message; `None` fields are left as they are, except the
    `trashed_*` pair, which `clear_trashed` empties."""

    message_id: str
    modseq: int
    folder_id: str | None = None
    uid: int | None = None
    unread: bool | None = None
    flagged: bool | None = None
    deleted: bool | None = None
    answered: bool | None = None
    draft: bool | None = None
    tags: list[str] | None = None
    comment: str | None = None
    set_comment: bool = False  # write `comment` even when None (removing it)
    receipt: ReceiptState | None = None  # a read receipt settled ("sent", "dismissed")
    trashed_from: str | None = None
    trashed_at: datetime | None = None
    clear_trashed: bool = False


@dataclass
class Batch:
    """The writes of one change, applied all or none.

    `expect_modseq` → `modseq` is the precondition and the account's new counter (equal
    when the change journals nothing, e.g. a tag deleted that no message carried: the
    check still orders it); folders are written whole, inserted or replaced by id
    (counters and `uidnext` included: the precondition makes that safe), before any
    message is written; `folders_removed` come children first, after the messages are
    removed; `released_blobs` are blobs some removed message used, which the backend
    lists as orphans if nothing refers to them any more after the batch.
    """

    account_id: str
    expect_modseq: int
    modseq: int
    uidvalidity: int | None = None  # the account's new last-given UIDVALIDITY
    used_bytes_delta: int = 0
    folders: list[FolderRecord] = field(default_factory=list)
    folders_removed: list[str] = field(default_factory=list)
    inserted: list[NewRow] = field(default_factory=list)
    copied: list[CopyRow] = field(default_factory=list)
    patched: list[MessagePatch] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    tags_added: list[Tag] = field(default_factory=list)
    tags_removed: list[str] = field(default_factory=list)
    journal: list[MailboxChanged] = field(default_factory=list)
    released_blobs: list[str] = field(default_factory=list)


class MailBackend(Protocol):
    # --- what a change reads -----------------------------------------------------------
    async def snapshot(
        self,
        account_id: str,
        *,
        message_ids: Sequence[str] = (),
        tags: bool = False,
        event_id: str | None = None,
        parents: Sequence[str] = (),
    ) -> Snapshot:
        """One consistent read (one trip): the account, its folders, the messages asked
        for; with `event_id`, the message delivered for it (`delivered`); with `parents`
        (Message-IDs), the thread of the earliest stored message (by Date) whose
        Message-ID is one of them (`thread_id`). Raises `NotFound` for an unknown account."""
        ...

    async def folder_messages(
        self, account_id: str, folder_ids: Sequence[str], *, before: datetime | None = None
    ) -> list[str]:
        """Ids of the messages in those folders (dated before `before`), oldest first."""
        ...

    async def carrying(self, account_id: str, tag_name: str) -> list[str]:
        """Ids of the account's messages that carry a tag."""
        ...

    async def trashed_order(self, account_id: str, folder_ids: Sequence[str]) -> list[str]:
        """Ids of the messages in those folders, first trashed first (the message's own
        time, else its folder's, else its arrival), then by id."""
        ...

    async def pending_receipt(
        self, account_id: str, message_id: str
    ) -> tuple[str, list[str]] | None:
        """For a message whose read receipt is pending: the address the receipt goes to,
        and the ids of the account's messages pending with the same Message-ID header
        (copies, itself included). None when not pending; `NotFound` for no message."""
        ...

    # --- writes ------------------------------------------------------------------------
    async def apply(self, batch: Batch) -> None:
        """Apply every write of `batch` in one atomic step, or none: raises `Stale` when
        the account's modseq is not `batch.expect_modseq`."""
        ...

    async def put_tag(self, tag: Tag) -> None:
        """A tag made on its own (no message changes); `Conflict` if the name exists."""
        ...

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> None: ...

    # --- listing and range reads -------------------------------------------------------
    async def folder_page(
        self,
        account_id: str,
        folder_id: str,
        *,
        offset: int,
        limit: int,
        sort: SortKey,
        descending: bool,
        unread_only: bool,
    ) -> Page[MessageSummary]: ...

    async def tag_page(
        self, account_id: str, tag_name: str, *, offset: int, limit: int
    ) -> Page[MessageSummary]: ...

    async def message(self, account_id: str, message_id: str) -> StoredMessage: ...

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]: ...

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool: ...

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]: ...

    async def tags(self, account_id: str) -> list[Tag]: ...

    async def changes_since(
        self, account_id: str, modseq: int, limit: int
    ) -> list[MailboxChanged]: ...

    async def unpublished_changes(self, limit: int) -> list[MailboxChanged]: ...

    async def mark_published(self, change_ids: list[str]) -> None: ...

    async def journal_backlog(self) -> JournalBacklog: ...
