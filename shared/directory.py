"""Recipient resolution: which account an envelope recipient reaches."""

from __future__ import annotations

from shared.addresses import InvalidAddress, normalize, without_subaddress
from shared.model import Account
from shared.ports.mailbox import MailboxStore


async def resolve_recipient(mailbox: MailboxStore, recipient: str) -> Account | None:
    """The account for `recipient`: exact address first, then without its `+tag` (RFC 5233).

    An exact match wins so that an account whose address holds a `+` stays reachable.
    """
    try:
        address = normalize(recipient)
    except InvalidAddress:
        return None
    account = await mailbox.account_by_address(address)
    if account is None:
        base = without_subaddress(address)
        if base != address:
            account = await mailbox.account_by_address(base)
    return account
