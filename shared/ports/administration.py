"""Administration role of the mailbox store: what the operator changes (`bureau account`,
`bureau plan`): accounts, aliases, sending rights and plans."""

from __future__ import annotations

from typing import Protocol

from shared.model import Account, Plan


class AccountAdmin(Protocol):
    """The administrator's changes of accounts and plans."""

    async def create_account(self, address: str, password_hash: str) -> Account:
        """Create the account (its domain on demand) with its system folders.

        `address` is stored lower-cased. Raises `AccountExists`.
        """
        ...

    async def add_alias(self, account_id: str, address: str) -> None:
        """Another address that reaches the account (stored lower-cased, its domain then
        hosted). `AccountExists` if an account or alias already has it; `NotFound`."""
        ...

    async def remove_alias(self, account_id: str, address: str) -> None:
        """`NotFound` if the account has no such alias."""
        ...

    async def set_external_senders(self, account_id: str, allowed: bool) -> None:
        """Whether the account may send as addresses Bureau does not host (`NotFound`)."""
        ...

    async def set_submission_blocked(self, account_id: str, blocked: bool) -> None:
        """Stop (or let again) the account sending mail (`NotFound`)."""
        ...

    async def set_plan(self, plan: Plan) -> Plan:
        """Create or replace a plan."""
        ...

    async def plans(self) -> list[Plan]: ...

    async def assign_plan(self, account_id: str, plan_name: str | None) -> None:
        """Put an account on a plan (None: no plan, no limits). `NotFound` for a bad name."""
        ...
