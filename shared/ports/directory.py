"""Directory role of the mailbox store: who is who. Accounts by id and by address (aliases
included), hosted domains, an account's aliases, plan and quota; what recipient
resolution, logins, sending rights and the quota checks read."""

from __future__ import annotations

from typing import Protocol

from shared.model import Account, Plan, Quota


class Directory(Protocol):
    """Who the accounts are: looked up by address or id, their domains, aliases, plan and
    quota. Read-only: the administrator's changes are `AccountAdmin`'s."""

    async def account_by_address(self, address: str) -> Account | None:
        """The account whose address, or one of whose aliases, is exactly `address`
        (case-insensitive)."""
        ...

    async def account(self, account_id: str) -> Account | None: ...

    async def hosts_domain(self, domain: str) -> bool:
        """Whether Bureau holds accounts or aliases of this domain (case-insensitive): mail
        to an unknown address there is refused, not sent elsewhere."""
        ...

    async def first_account(self, domain: str | None = None) -> Account | None:
        """The oldest account of `domain` (case-insensitive), or of the whole platform when
        None; None when there is none."""
        ...

    async def aliases(self, account_id: str) -> list[str]:
        """The account's aliases, sorted."""
        ...

    async def accounts(self, *, after: str | None = None, limit: int = 500) -> list[Account]:
        """Every account, by id, a page at a time (for periodic jobs)."""
        ...

    async def account_plan(self, account_id: str) -> Plan | None:
        """The plan the account is on, None without one (`NotFound` for a bad account)."""
        ...

    async def quota(self, account_id: str) -> Quota: ...
