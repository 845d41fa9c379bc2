"""Identities role of the mailbox store (F5, F21, F22): the personal profile and the
sender identities of an account."""

from __future__ import annotations

from typing import Protocol

from shared.model import Identity, IdentityFields, Profile


class Identities(Protocol):
    """Who the user is and sends as: profile and sender identities."""

    async def profile(self, account_id: str) -> Profile:
        """The personal profile; an empty one until set (`NotFound` for a bad account)."""
        ...

    async def set_profile(self, account_id: str, profile: Profile) -> Profile: ...

    async def identities(self, account_id: str) -> list[Identity]:
        """The account's sender identities, oldest first. Every account has at least one:
        its own address, created with the account."""
        ...

    async def identity(self, account_id: str, identity_id: str) -> Identity:
        """Raises `NotFound`."""
        ...

    async def create_identity(self, account_id: str, fields: IdentityFields) -> Identity:
        """`Conflict` if the account already has an identity with this address. Whether
        the address may be used is the caller's rule, not the store's."""
        ...

    async def update_identity(
        self, account_id: str, identity_id: str, fields: IdentityFields
    ) -> Identity:
        """Replace every field; `Conflict` on another identity's address; `NotFound`."""
        ...

    async def delete_identity(self, account_id: str, identity_id: str) -> None:
        """`Refused` for the account's last identity; `NotFound`."""
        ...
