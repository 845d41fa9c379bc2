"""The mail methods of `MailboxStore`, over any `MailBackend`.

Every change reads a snapshot, decides with the rules (the modules beside this one) and
writes one `Batch`, applied atomically with the account's modseq as precondition; a
change that finds the account moved on reads again (`serial.settle`). Reads that need
no rule go to the backend as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from services.store.core import delivery, flags, folders, moves, removal, tags, trash
from services.store.core.backend import MailBackend
from services.store.core.change import Change
from services.store.core.records import public_folder
from services.store.core.serial import AccountLocks, settle
from shared.events import MailboxChanged
from shared.model import (
    Delivery,
    FlagChange,
    Folder,
    FolderRole,
    MessageSummary,
    NewMessage,
    Page,
    Quota,
    Removal,
    Selection,
    SortKey,
    StoredMessage,
    Tag,
    TagChange,
    TagLimits,
    ThreadKey,
    UidEntry,
)
from shared.ports.mailbox import JournalBacklog, LimitExceeded, NotFound

SETTLED_STATES = ("sent", "dismissed")


class Mailboxes:
    def __init__(self, backend: MailBackend, limits: TagLimits | None = None) -> None:
        self._backend = backend
        self._limits = limits or TagLimits()
        self._locks = AccountLocks()

    @property
    def tag_limits(self) -> TagLimits:
        return self._limits

    # --- reading for a change -----------------------------------------------------------
    async def _read(
        self,
        account_id: str,
        selection: Selection | None = None,
        *,
        also: Sequence[str] = (),
        with_tags: bool = False,
    ) -> tuple[Change, list[str]]:
        """A change of the account, with the selected messages (in the selection's order:
        as given, or a folder's oldest first) and those of `also` read."""
        b = self._backend
        if selection is None:
            return Change(await b.snapshot(account_id, message_ids=also, tags=with_tags)), []
        if selection.message_ids is not None:
            wanted = list(dict.fromkeys(selection.message_ids))
            snap = await b.snapshot(account_id, message_ids=[*wanted, *also], tags=with_tags)
            return Change(snap), [m for m in wanted if m in snap.messages]
        folder_id = selection.folder_id
        assert folder_id is not None
        listed = await b.folder_messages(account_id, [folder_id], before=selection.before)
        snap = await b.snapshot(account_id, message_ids=[*listed, *also], tags=with_tags)
        change = Change(snap)
        change.tree.get(folder_id)  # NotFound for another account's folder
        found = snap.messages
        return change, [m for m in listed if m in found and found[m].folder_id == folder_id]

    async def _with_area(self, account_id: str) -> Change:
        """A change with every message of Trash and its subfolders read."""
        first = Change(await self._backend.snapshot(account_id))
        ids = await self._backend.folder_messages(account_id, first.tree.trash_area())
        return Change(await self._backend.snapshot(account_id, message_ids=ids))

    async def _room_order(self, change: Change) -> list[str]:
        return await self._backend.trashed_order(change.account_id, change.tree.trash_area())

    # --- folders ------------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        change = Change(await self._backend.snapshot(account_id))
        return [public_folder(f, change.tree.unread_below(f.id)) for f in change.snapshot.folders]

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        tree = Change(await self._backend.snapshot(account_id)).tree
        return public_folder(tree.get(folder_id), tree.unread_below(folder_id))

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        return public_folder(Change(await self._backend.snapshot(account_id)).tree.role(role))

    async def create_folder(self, account_id: str, name: str, parent_id: str | None) -> Folder:
        async def decide() -> tuple[Change, Folder]:
            change, _ = await self._read(account_id)
            return change, folders.create(change, name, parent_id)

        return await settle(self._backend, self._locks, account_id, decide)

    async def rename_folder(self, account_id: str, folder_id: str, name: str) -> Folder:
        async def decide() -> tuple[Change, Folder]:
            change, _ = await self._read(account_id)
            return change, folders.rename(change, folder_id, name)

        return await settle(self._backend, self._locks, account_id, decide)

    async def move_folder(self, account_id: str, folder_id: str, parent_id: str | None) -> Folder:
        async def decide() -> tuple[Change, Folder]:
            change, _ = await self._read(account_id)
            return change, folders.move(change, folder_id, parent_id)

        return await settle(self._backend, self._locks, account_id, decide)

    async def delete_folder(self, account_id: str, folder_id: str) -> Folder:
        async def decide() -> tuple[Change, Folder]:
            change, _ = await self._read(account_id)
            return change, folders.to_trash(change, folder_id)

        return await settle(self._backend, self._locks, account_id, decide)

    # --- messages -----------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        message = delivery.trimmed(message, self._limits)

        async def decide() -> tuple[Change, Delivery]:
            snap = await self._backend.snapshot(
                message.account_id, event_id=message.event_id, parents=delivery.parents(message)
            )
            change = Change(snap)
            return change, delivery.deliver(change, message)

        return await settle(self._backend, self._locks, message.account_id, decide)

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
        return await self._backend.folder_page(
            account_id,
            folder_id,
            offset=offset,
            limit=limit,
            sort=sort,
            descending=descending,
            unread_only=unread_only,
        )

    async def tagged(
        self, account_id: str, tag_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        tag = tags.find(await self._backend.tags(account_id), tag_id)
        return await self._backend.tag_page(account_id, tag.name, offset=offset, limit=limit)

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        return await self._backend.message(account_id, message_id)

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]:
        return await self._backend.folder_uids(account_id, folder_id)

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool:
        return await self._backend.unread_before(account_id, folder_id, message_id)

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]:
        return await self._backend.thread_keys(account_id, folder_id)

    async def select(self, account_id: str, selection: Selection) -> list[str]:
        return (await self._read(account_id, selection))[1]

    async def set_flags(
        self, account_id: str, selection: Selection, change: FlagChange
    ) -> list[str]:
        async def decide() -> tuple[Change, list[str]]:
            working, ids = await self._read(account_id, selection)
            return working, flags.change_flags(working, ids, change, None, None)

        return await settle(self._backend, self._locks, account_id, decide)

    async def change_flags(
        self, account_id: str, selection: Selection, flag_change: FlagChange, tag_change: TagChange
    ) -> list[str]:
        touches = bool(tag_change.named) or tag_change.replace is not None

        async def decide() -> tuple[Change, list[str]]:
            change, ids = await self._read(account_id, selection, with_tags=touches)
            if refusal := self._limits.too_large(len(ids), tag_change):
                raise LimitExceeded(refusal)
            resolved = tags.resolve(change, tag_change, self._limits) if touches else None
            return change, flags.change_flags(change, ids, flag_change, resolved, self._limits)

        return await settle(self._backend, self._locks, account_id, decide)

    async def move_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        async def decide() -> tuple[Change, list[str]]:
            change, ids = await self._read(account_id, selection)
            return change, moves.move(change, ids, folder_id)

        return await settle(self._backend, self._locks, account_id, decide)

    async def copy_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        async def decide() -> tuple[Change, list[str]]:
            change, ids = await self._read(account_id, selection)
            order: list[str] = []
            if not change.fits(moves.copy_size(change, ids)):
                order = await self._room_order(change)
                change, ids = await self._read(account_id, selection, also=order)
            return change, moves.copy(change, ids, folder_id, order)

        return await settle(self._backend, self._locks, account_id, decide)

    async def trash_messages(self, account_id: str, selection: Selection) -> list[str]:
        async def decide() -> tuple[Change, list[str]]:
            change, ids = await self._read(account_id, selection)
            return change, trash.trash(change, ids)[0]

        return await settle(self._backend, self._locks, account_id, decide)

    async def restore_messages(self, account_id: str, selection: Selection) -> list[str]:
        async def decide() -> tuple[Change, list[str]]:
            change, ids = await self._read(account_id, selection)
            return change, trash.restore(change, ids)

        return await settle(self._backend, self._locks, account_id, decide)

    async def destroy_messages(self, account_id: str, selection: Selection) -> Removal:
        async def decide() -> tuple[Change, Removal]:
            change, ids = await self._read(account_id, selection)
            return change, removal.destroy(change, ids)

        return await settle(self._backend, self._locks, account_id, decide)

    async def empty_trash(self, account_id: str) -> Removal:
        async def decide() -> tuple[Change, Removal]:
            change = await self._with_area(account_id)
            return change, trash.empty(change)

        return await settle(self._backend, self._locks, account_id, decide)

    async def purge_trash(self, account_id: str, older_than: datetime) -> Removal:
        async def decide() -> tuple[Change, Removal]:
            change = await self._with_area(account_id)
            return change, trash.purge(change, older_than)

        return await settle(self._backend, self._locks, account_id, decide)

    async def make_room(self, account_id: str, needed_bytes: int) -> Removal:
        async def decide() -> tuple[Change | None, Removal]:
            change, _ = await self._read(account_id)
            if change.fits(needed_bytes):
                return None, Removal()
            order = await self._room_order(change)
            change, _ = await self._read(account_id, also=order)
            return change, removal.make_room(change, needed_bytes, order)

        return await settle(self._backend, self._locks, account_id, decide)

    # --- tags and comments --------------------------------------------------------------
    async def tags(self, account_id: str) -> list[Tag]:
        return await self._backend.tags(account_id)

    async def create_tag(self, account_id: str, name: str, color: str) -> Tag:
        async with self._locks(account_id):
            snap = await self._backend.snapshot(account_id, tags=True)
            tag = tags.new_tag(account_id, snap.tags or [], name, color, self._limits)
            await self._backend.put_tag(tag)
            return tag

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> Tag:
        tag = tags.find(await self._backend.tags(account_id), tag_id)
        await self._backend.set_tag_color(account_id, tag_id, color)
        return tag.model_copy(update={"color": color})

    async def delete_tag(self, account_id: str, tag_id: str) -> None:
        """Off every message (however many: a tag can always go), then the tag."""

        async def decide() -> tuple[Change, None]:
            tag = tags.find(await self._backend.tags(account_id), tag_id)
            ids = await self._backend.carrying(account_id, tag.name)
            change, _ = await self._read(account_id, also=ids)
            flags.change_flags(change, ids, FlagChange(), TagChange(remove=[tag.name]), None)
            change.remove_tag(tag_id)
            return change, None

        await settle(self._backend, self._locks, account_id, decide)

    async def tag_messages(
        self, account_id: str, selection: Selection, tag_id: str, *, add: bool
    ) -> list[str]:
        name = tags.find(await self._backend.tags(account_id), tag_id).name
        change = TagChange(add=[name]) if add else TagChange(remove=[name])
        return await self.change_flags(account_id, selection, FlagChange(), change)

    async def set_comment(self, account_id: str, message_id: str, comment: str | None) -> None:
        async def decide() -> tuple[Change, None]:
            change, _ = await self._read(account_id, also=[message_id])
            message = change.messages.get(message_id)
            if message is None:
                raise NotFound(f"message {message_id}")
            if message.comment != (comment or None):
                change.patch(message, comment=comment or None)
            return change, None

        await settle(self._backend, self._locks, account_id, decide)

    async def settle_receipt(
        self, account_id: str, message_id: str, state: Literal["sent", "dismissed"]
    ) -> str | None:
        """The receipt of a message and of its copies (same Message-ID header), settled
        once; each settled message is journaled, as its summary's `receipt` changed."""
        if state not in SETTLED_STATES:
            raise ValueError(f"a receipt is settled as sent or dismissed, not {state!r}")

        async def decide() -> tuple[Change | None, str | None]:
            pending = await self._backend.pending_receipt(account_id, message_id)
            if pending is None:
                return None, None
            to, ids = pending
            change, _ = await self._read(account_id, also=ids)
            for settled in ids:
                message = change.messages.get(settled)
                if message is not None and message.receipt == "pending":
                    change.patch(message, receipt=state)
            return change, to

        return await settle(self._backend, self._locks, account_id, decide)

    async def quota(self, account_id: str) -> Quota:
        return Change(await self._backend.snapshot(account_id)).quota()

    # --- change journal -----------------------------------------------------------------
    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        return await self._backend.unpublished_changes(limit)

    async def mark_published(self, change_ids: list[str]) -> None:
        if change_ids:
            await self._backend.mark_published(change_ids)

    async def highest_modseq(self, account_id: str) -> int:
        # The counter moves in the batch that writes the journal entry.
        return (await self._backend.snapshot(account_id)).account.modseq

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        return await self._backend.changes_since(account_id, modseq, limit)

    async def journal_backlog(self) -> JournalBacklog:
        return await self._backend.journal_backlog()
