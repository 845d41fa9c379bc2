"""What a new account has: the system folders, each with its own UIDVALIDITY."""

from __future__ import annotations

from services.store.core import uidvalidity
from services.store.core.backend import FolderRecord
from shared.events import derived_id
from shared.model import SYSTEM_FOLDERS


def system_folders(account_id: str, now: float | None = None) -> tuple[list[FolderRecord], int]:
    """The folders to make with the account, and the account's last-given UIDVALIDITY."""
    first, last = uidvalidity.take(0, len(SYSTEM_FOLDERS), now)
    folders = [
        FolderRecord(
            id=derived_id(account_id, role.value),
            account_id=account_id,
            name=name,
            role=role,
            uidvalidity=first + n,
            uidnext=1,
        )
        for n, (role, name) in enumerate(SYSTEM_FOLDERS.items())
    ]
    return folders, last
