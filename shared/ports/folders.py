"""Folders role of the mailbox store: an account's folder tree and its counters. Each
change journals `folder.changed` / `folder.removed`."""

from __future__ import annotations

from typing import Protocol

from shared.model import Folder, FolderRole


class Folders(Protocol):
    """An account's folders: listed with their counts, found by id or role, and changed."""

    async def folders(self, account_id: str) -> list[Folder]:
        """Every folder of the account with its total and unread counts."""
        ...

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        """Raises `NotFound`."""
        ...

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        """Raises `NotFound`."""
        ...

    async def create_folder(self, account_id: str, name: str, parent_id: str | None) -> Folder:
        """A user folder, at the top or under `parent_id`, with a `uidvalidity` the account
        never gave before (RFC 9051 §2.3.1.1: a name deleted and made again gets a new
        one). `Conflict` if a sibling has the name; `Refused` for a name no folder can have
        (`shared.model.folder_name`), under Inbox, Sent, Spam or a folder in Trash;
        `NotFound` parent."""
        ...

    async def rename_folder(self, account_id: str, folder_id: str, name: str) -> Folder:
        """`Refused` for system folders; `Conflict` if a sibling has the name."""
        ...

    async def move_folder(self, account_id: str, folder_id: str, parent_id: str | None) -> Folder:
        """`Refused` for system folders, into itself or a descendant, or under Inbox, Sent,
        Spam; `Conflict` if the new parent has a folder of that name."""
        ...

    async def delete_folder(self, account_id: str, folder_id: str) -> Folder:
        """Move a user folder, its subfolders and their messages into Trash (F37); they are
        removed for good when Trash is emptied or purged. `Refused` for system folders."""
        ...
