"""What a new account has: its address, the domain it makes hosted, its primary identity
and the system folders, each with its own UIDVALIDITY."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.store.core import identities, uidvalidity
from services.store.core.backend import FolderRecord
from services.store.core.directory import address_of
from shared.events import derived_id
from shared.model import SYSTEM_FOLDERS, Account, Identity


@dataclass(frozen=True, slots=True)
class NewAccount:
    """Everything an adapter writes for `create_account`, in one go."""

    account: Account
    domain: str  # made on the first account or alias of it
    identity: Identity
    folders: list[FolderRecord]
    uidvalidity: int  # the account's last-given UIDVALIDITY


def new_account(address: str, password_hash: str, created_at: datetime) -> NewAccount:
    """`InvalidAddress` for what is not an address; `created_at` is the adapter's clock (at
    the precision it keeps)."""
    normalized, domain = address_of(address)
    account = Account(
        id=uuid.uuid4().hex,
        address=normalized,
        password_hash=password_hash,
        created_at=created_at,
    )
    folders, last = system_folders(account.id, created_at.timestamp())
    return NewAccount(account, domain, identities.primary(account), folders, last)


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
