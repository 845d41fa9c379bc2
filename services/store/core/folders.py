"""Folder changes (F35-F37): create, rename, move, and delete into Trash."""

from __future__ import annotations

import uuid

from services.store.core import uidvalidity
from services.store.core.backend import FolderRecord
from services.store.core.change import Change
from services.store.core.records import public_folder
from services.store.core.tree import clean_name
from shared.model import Folder
from shared.ports.mailbox import Refused


def _unchanged(change: Change, folder: FolderRecord) -> Folder:
    return public_folder(folder, change.tree.unread_below(folder.id))


def _changed(change: Change, folder: FolderRecord) -> Folder:
    change.folder_changed(folder)
    return public_folder(folder)


def create(change: Change, name: str, parent_id: str | None) -> Folder:
    name = clean_name(name)
    change.tree.check_parent(parent_id)
    change.tree.check_free(parent_id, name)
    first, last = uidvalidity.take(change.account.uidvalidity)
    change.uidvalidity = last
    folder = FolderRecord(
        id=uuid.uuid4().hex,
        account_id=change.account_id,
        name=name,
        parent_id=parent_id,
        uidvalidity=first,
        uidnext=1,
    )
    change.add_folder(folder)
    return _changed(change, folder)


def rename(change: Change, folder_id: str, name: str) -> Folder:
    folder = change.tree.user_folder(folder_id)
    name = clean_name(name)
    if name == folder.name:
        return _unchanged(change, folder)
    change.tree.check_free(folder.parent_id, name, moving=folder_id)
    folder.name = name
    return _changed(change, folder)


def move(change: Change, folder_id: str, parent_id: str | None) -> Folder:
    tree = change.tree
    folder = tree.user_folder(folder_id)
    if parent_id == folder.parent_id:
        return _unchanged(change, folder)  # already there
    if parent_id == folder_id or parent_id in tree.descendants(folder_id):
        raise Refused("a folder cannot move into itself or one of its subfolders")
    tree.check_parent(parent_id, tree.height(folder_id))
    tree.check_free(parent_id, folder.name)
    folder.parent_id = parent_id
    return _changed(change, folder)


def to_trash(change: Change, folder_id: str) -> Folder:
    """Move a user folder (subfolders and messages with it) into Trash, renamed if Trash
    already holds one of that name."""
    tree = change.tree
    folder = tree.user_folder(folder_id)
    if tree.in_trash(folder_id):
        return _unchanged(change, folder)  # already deleted
    trash = tree.trash
    folder.name = tree.free_name(trash, folder.name)
    folder.parent_id = trash
    folder.trashed_at = change.at
    return _changed(change, folder)
