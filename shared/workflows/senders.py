"""Which addresses an account may send as (F5), the same rule for the HTTP API and SMTP
submission.

An account may send as its own address and its aliases; with `external_senders` set (by an
administrator) also as addresses of domains Bureau does not host — never as another
account's address. Front ends check it when an identity is saved and again when it is
used, so an alias removed since stops the identity it was given to.
"""

from __future__ import annotations

from shared.mail.addresses import InvalidAddress, normalize
from shared.model import Account
from shared.ports.directory import Directory


async def sendable_addresses(mailbox: Directory, account: Account) -> list[str]:
    """The account's own address, then its aliases: what it may always send as."""
    own = account.address.lower()
    return [own] + [a for a in await mailbox.aliases(account.id) if a != own]


async def may_send_as(mailbox: Directory, account: Account, address: str) -> bool:
    """Whether `account` may put `address` in From (case-insensitive; False if it is not
    an address at all)."""
    try:
        address = normalize(address)
    except InvalidAddress:
        return False
    domain = address.rpartition("@")[2]
    if address in await sendable_addresses(mailbox, account):
        return True
    if not account.external_senders or await mailbox.hosts_domain(domain):
        return False
    # Not hosted means no account has it; asked anyway, as the rule is about accounts.
    holder = await mailbox.account_by_address(address)
    return holder is None or holder.id == account.id
