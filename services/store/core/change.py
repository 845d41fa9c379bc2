"""One change in the making: the snapshot it read, the records it changes, the batch it
writes. The rule modules call it; `Change.batch()` is what the backend applies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.store.core import journal
from services.store.core.backend import (
    Batch,
    CopyRow,
    FolderRecord,
    MessagePatch,
    MessageRecord,
    NewRow,
    Snapshot,
)
from services.store.core.records import as_record
from services.store.core.tree import Tree
from shared.events import ChangeKind
from shared.model import MessageSummary, Quota, Removal, Tag


class Change:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.account = snapshot.account
        self.account_id = snapshot.account.account_id
        self.tree = Tree(snapshot.folders)
        self.messages = snapshot.messages
        self.at = datetime.now(UTC)
        self.modseq = snapshot.account.modseq
        self.used_bytes = snapshot.account.used_bytes
        self.uidvalidity: int | None = None
        self._folders: dict[str, FolderRecord] = {}  # written, in the order first touched
        self._folders_removed: list[str] = []
        self._inserted: list[NewRow] = []
        self._copied: list[CopyRow] = []
        self._patches: dict[str, dict[str, Any]] = {}
        self._removed: list[str] = []
        self._tags_added: list[Tag] = []
        self._tags_removed: list[str] = []
        self._journal: list[Any] = []
        self._blobs: list[str] = []

    # --- counters -----------------------------------------------------------------------
    def next_modseq(self) -> int:
        self.modseq += 1
        return self.modseq

    def touch(self, folder: FolderRecord) -> FolderRecord:
        """Mark a folder as written by this change (whole, with its counters)."""
        self._folders.setdefault(folder.id, folder)
        return folder

    def add_folder(self, folder: FolderRecord) -> None:
        self.tree = Tree([*self.tree.folders.values(), folder])
        self.touch(folder)

    def count(self, folder_id: str, total: int, unread: int, size: int) -> None:
        folder = self.touch(self.tree.get(folder_id))
        folder.total += total
        folder.unread += unread
        folder.bytes += size

    def take_uid(self, folder_id: str) -> int:
        folder = self.touch(self.tree.get(folder_id))
        folder.uidnext += 1
        return folder.uidnext - 1

    def quota(self) -> Quota:
        return Quota(
            plan=self.account.plan,
            used_bytes=self.used_bytes,
            trash_bytes=self.tree.trash_bytes(),
            limit_bytes=self.account.limit_bytes,
        )

    def fits(self, needed: int) -> bool:
        limit = self.account.limit_bytes
        return limit is None or self.used_bytes + needed <= limit

    # --- messages -----------------------------------------------------------------------
    def insert(self, row: NewRow, summary: MessageSummary) -> None:
        self._inserted.append(row)
        self._added(summary)

    def copy(self, source: MessageRecord, folder_id: str, copy_id: str) -> None:
        modseq, uid = self.next_modseq(), self.take_uid(folder_id)
        self._copied.append(CopyRow(copy_id, source.id, folder_id, uid, modseq))
        self._added(
            as_record(
                source,
                id=copy_id,
                folder_id=folder_id,
                uid=uid,
                modseq=modseq,
                receipt=None,
                trashed_from=None,
            )
        )

    def _added(self, summary: MessageSummary) -> None:
        self.count(summary.folder_id, 1, int(summary.unread), summary.size)
        self.used_bytes += summary.size
        self._journal.append(journal.message_changed(ChangeKind.MESSAGE_ADDED, summary, self.at))

    def patch(self, message: MessageRecord, **fields: Any) -> None:
        """Change a message (its record too): a new modseq, the folders' counters, one
        journal entry with the message as it becomes."""
        before_folder, before_unread = message.folder_id, message.unread
        modseq = self.next_modseq()
        for name, value in fields.items():
            if name == "comment":
                message.has_comment = value is not None
            setattr(message, name, value)
        message.modseq = modseq
        after_unread = int(message.unread)
        if message.folder_id != before_folder:
            self.count(before_folder, -1, -int(before_unread), -message.size)
            self.count(message.folder_id, 1, after_unread, message.size)
        elif message.unread != before_unread:
            self.count(message.folder_id, 0, after_unread - int(before_unread), 0)
        self._patches.setdefault(message.id, {}).update(fields, modseq=modseq)
        previous = before_folder if message.folder_id != before_folder else None
        self._journal.append(
            journal.message_changed(ChangeKind.MESSAGE_UPDATED, message, self.at, previous)
        )

    def destroy(self, message: MessageRecord, removal: Removal) -> None:
        """Remove a message for good."""
        self.messages.pop(message.id, None)
        self._patches.pop(message.id, None)
        self._removed.append(message.id)
        self.count(message.folder_id, -1, -int(message.unread), -message.size)
        self.used_bytes -= message.size
        self._blobs.append(message.blob_id)
        self._journal.append(
            journal.message_removed(
                self.account_id, message.id, message.folder_id, self.next_modseq(), self.at
            )
        )
        removal.message_ids.append(message.id)
        removal.freed_bytes += message.size

    # --- folders and tags ---------------------------------------------------------------
    def folder_changed(self, folder: FolderRecord) -> None:
        self.touch(folder)
        self._journal.append(
            journal.folder_changed(ChangeKind.FOLDER_CHANGED, folder, self.next_modseq(), self.at)
        )

    def remove_folder(self, folder_id: str) -> None:
        """Remove an empty folder for good (children before their parent)."""
        folder = self.tree.folders.pop(folder_id)
        self._folders.pop(folder_id, None)
        self._folders_removed.append(folder_id)
        self._journal.append(
            journal.folder_changed(ChangeKind.FOLDER_REMOVED, folder, self.next_modseq(), self.at)
        )

    def add_tags(self, tags: list[Tag]) -> None:
        self._tags_added += tags

    def remove_tag(self, tag_id: str) -> None:
        self._tags_removed.append(tag_id)

    # --- the batch ----------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not (
            self._folders
            or self._folders_removed
            or self._inserted
            or self._copied
            or self._patches
            or self._removed
            or self._tags_added
            or self._tags_removed
            or self._journal
            or self.uidvalidity is not None
        )

    def batch(self) -> Batch:
        return Batch(
            account_id=self.account_id,
            expect_modseq=self.account.modseq,
            modseq=self.modseq,
            uidvalidity=self.uidvalidity,
            used_bytes_delta=self.used_bytes - self.account.used_bytes,
            folders=list(self._folders.values()),
            folders_removed=self._folders_removed,
            inserted=self._inserted,
            copied=self._copied,
            patched=[_patch(message_id, f) for message_id, f in self._patches.items()],
            removed=self._removed,
            tags_added=self._tags_added,
            tags_removed=self._tags_removed,
            journal=self._journal,
            released_blobs=list(dict.fromkeys(self._blobs)),
        )


def _patch(message_id: str, fields: dict[str, Any]) -> MessagePatch:
    fields = dict(fields)
    if "comment" in fields:
        fields["set_comment"] = True
    if "trashed_from" in fields and fields["trashed_from"] is None:
        fields.pop("trashed_from")
        fields.pop("trashed_at", None)
        fields["clear_trashed"] = True
    return MessagePatch(message_id=message_id, **fields)
