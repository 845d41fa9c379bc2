"""Trash (F38, F39): deleting moves there, deleting there removes for good; Trash is
emptied, and purged of what stayed too long."""

from __future__ import annotations

from datetime import datetime

from services.store.core.change import Change
from services.store.core.moves import move
from services.store.core.records import utc
from services.store.core.removal import destroy
from shared.model import FolderRole, Removal


def trash(change: Change, ids: list[str]) -> tuple[list[str], Removal]:
    """Move to Trash what is outside it; remove for good what is already inside."""
    tree = change.tree
    present = [i for i in ids if i in change.messages]
    inside = [i for i in present if tree.in_trash(change.messages[i].folder_id)]
    outside = [i for i in present if not tree.in_trash(change.messages[i].folder_id)]
    moved: list[str] = []
    for message_id in outside:
        origin = change.messages[message_id].folder_id
        moved += move(change, [message_id], tree.trash, trashed_from=origin, trashed_at=change.at)
    return moved + inside, destroy(change, inside)


def restore(change: Change, ids: list[str]) -> list[str]:
    """Back to the folder a message came from, or the Inbox when that is gone or in Trash."""
    tree = change.tree
    inbox = tree.role(FolderRole.INBOX).id
    restored: list[str] = []
    for message_id in ids:
        message = change.messages.get(message_id)
        if message is None or not tree.in_trash(message.folder_id):
            continue
        origin = message.trashed_from
        if origin is None or origin not in tree.folders or tree.in_trash(origin):
            origin = inbox
        restored += move(change, [message_id], origin, trashed_from=None, trashed_at=None)
    return restored


def _remove_subtrees(change: Change, tops: list[str], removal: Removal) -> None:
    """Remove folders, with everything below and in them, for good."""
    for top in tops:
        subtree = [top, *change.tree.descendants(top)]
        inside = set(subtree)
        destroy(change, [m.id for m in change.messages.values() if m.folder_id in inside], removal)
        for folder_id in reversed(subtree):
            change.remove_folder(folder_id)
        removal.folder_ids += subtree


def empty(change: Change) -> Removal:
    """`change` read with the messages of Trash and of its subfolders."""
    trash_id = change.tree.trash
    removal = destroy(change, [m.id for m in change.messages.values() if m.folder_id == trash_id])
    tops = [f.id for f in change.tree.folders.values() if f.parent_id == trash_id]
    _remove_subtrees(change, tops, removal)
    return removal


def purge(change: Change, older_than: datetime) -> Removal:
    """What has been in Trash since before `older_than` (a message without a time of
    trashing, by its arrival; a folder without one, at once)."""
    cutoff = utc(older_than)
    trash_id = change.tree.trash
    expired = [
        m.id
        for m in change.messages.values()
        if m.folder_id == trash_id and (m.trashed_at or m.received_at) < cutoff
    ]
    removal = destroy(change, expired)
    tops = [
        f.id
        for f in change.tree.folders.values()
        if f.parent_id == trash_id and (f.trashed_at is None or f.trashed_at < cutoff)
    ]
    _remove_subtrees(change, tops, removal)
    return removal
