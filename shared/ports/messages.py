"""Messages role of the mailbox store: delivery, listings, reads and every change of an
account's messages (flags, tags on messages, moves, Trash). Each change journals
`message.added` / `message.updated` / `message.removed` with the account's next modseq."""

from __future__ import annotations

from typing import Protocol

from shared.model import (
    Delivery,
    FlagChange,
    MessageSummary,
    NewMessage,
    Page,
    Removal,
    Selection,
    SortKey,
    StoredMessage,
    TagChange,
    ThreadKey,
    UidEntry,
)


class Messages(Protocol):
    """An account's messages: delivered, listed, read and changed."""

    async def deliver(self, message: NewMessage) -> Delivery:
        """Add a message, idempotent by (`account_id`, `event_id`).

        A second call with the same event returns the first call's message id with
        `created=False` and changes nothing. Computes the thread id from Message-ID,
        In-Reply-To and References, updates the folder counters and journals
        `message.added`.
        """
        ...

    async def messages(
        self,
        account_id: str,
        folder_id: str,
        *,
        offset: int = 0,
        limit: int = 50,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        unread_only: bool = False,
    ) -> Page[MessageSummary]:
        """Messages of a folder, newest first by default; ties broken by id so pages
        neither skip nor repeat. Raises `NotFound` for an unknown folder."""
        ...

    async def tagged(
        self, account_id: str, tag_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        """Messages carrying a tag, in any folder, newest first. `NotFound` for a bad tag."""
        ...

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        """Raises `NotFound`."""
        ...

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]:
        """Every message of a folder by ascending UID, with its flags and keywords (what
        IMAP SELECT needs; cheap for tens of thousands). `NotFound` for a bad folder."""
        ...

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool:
        """Whether an unread message (not marked deleted) that arrived before `message_id`
        (a lower UID) waits in the folder: "first unread only" notifications (F57).
        `NotFound` for a folder or message that is not there."""
        ...

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]:
        """What threading needs of every message of a folder (see `shared.mail.threads`)."""
        ...

    async def select(self, account_id: str, selection: Selection) -> list[str]:
        """The ids of the account's messages a selection names (unknown ids dropped)."""
        ...

    async def set_flags(
        self, account_id: str, selection: Selection, change: FlagChange
    ) -> list[str]:
        """Set or clear unread/flagged/deleted/answered/draft; returns the ids that
        changed."""
        ...

    async def change_flags(
        self, account_id: str, selection: Selection, flags: FlagChange, tags: TagChange
    ) -> list[str]:
        """Flags and tags of messages in one change (IMAP STORE): each message is read and
        written once, whatever the number of tags, and journals one `message.updated` if
        its flags or tags changed. Returns the ids that changed. Tags `tags.create` makes
        are made grey with the change. `LimitExceeded`, changing nothing, when the change
        names more than `tag_limits.per_change` message-tag pairs or more tags than a
        message may carry, when it would make the account more tags than it may have, or
        when a message would come to carry more than `per_message` tags; `Refused` for a
        name no tag can have; `NotFound` for a name without a tag and without `create`."""
        ...

    async def tag_messages(
        self, account_id: str, selection: Selection, tag_id: str, *, add: bool
    ) -> list[str]:
        """Put a tag on (add) or take it off messages; returns the ids that changed. As
        `change_flags`: `LimitExceeded`, changing nothing, for more messages than
        `tag_limits.per_change`, or a message that would carry more than `per_message`."""
        ...

    async def move_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        """Move to another folder (new UIDs there); returns the ids moved."""
        ...

    async def copy_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        """Copy into a folder (the copies share the blob); returns the new ids, in order."""
        ...

    async def trash_messages(self, account_id: str, selection: Selection) -> list[str]:
        """Delete: move to Trash, remembering where each came from (F38). Messages already in
        Trash (or a folder inside it) are removed for good. Returns the ids affected."""
        ...

    async def restore_messages(self, account_id: str, selection: Selection) -> list[str]:
        """Move messages out of Trash to the folder they came from (Inbox if that folder is
        gone or itself in Trash). Returns the ids restored."""
        ...

    async def destroy_messages(self, account_id: str, selection: Selection) -> Removal:
        """Remove for good, whatever their folder."""
        ...

    async def empty_trash(self, account_id: str) -> Removal:
        """Remove for good every message in Trash and every folder inside it."""
        ...

    async def make_room(self, account_id: str, needed_bytes: int) -> Removal:
        """Remove the oldest Trash messages until `needed_bytes` more fit in the quota (F40)."""
        ...

    async def set_comment(self, account_id: str, message_id: str, comment: str | None) -> None:
        """The message's private comment (F51); None or "" removes it."""
        ...
