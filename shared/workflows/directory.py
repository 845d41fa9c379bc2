"""Recipient resolution: which account an envelope recipient reaches."""

from __future__ import annotations

from shared.mail.addresses import InvalidAddress, normalize, without_subaddress
from shared.model import Account
from shared.ports.directory import Directory

# RFC 5321 §4.5.1: every domain must take mail for "postmaster" (any case), and
# §4.1.1.3: `RCPT TO:<Postmaster>` without a domain too.
POSTMASTER = "postmaster"


async def resolve_recipient(mailbox: Directory, recipient: str) -> Account | None:
    """The account for `recipient`: exact address first, then without its `+tag` (RFC 5233).

    An exact match wins so that an account whose address holds a `+` stays reachable.
    `postmaster@` a hosted domain with no such account or alias reaches the domain's
    first account (its owner, as a rule; an alias `postmaster@domain` on another account
    overrides it), and a bare `postmaster` the platform's first account.
    """
    if recipient.strip().strip("<>").strip().lower() == POSTMASTER:
        return await mailbox.first_account()
    try:
        address = normalize(recipient)
    except InvalidAddress:
        return None
    account = await mailbox.account_by_address(address)
    if account is not None:
        return account
    base = without_subaddress(address)
    if base != address:
        account = await mailbox.account_by_address(base)
    local, _, domain = base.rpartition("@")
    if account is None and local == POSTMASTER and await mailbox.hosts_domain(domain):
        account = await mailbox.first_account(domain) or await mailbox.first_account()
    return account


def envelope_recipient(address: str) -> str:
    """How a recipient is recorded in the envelope: normalised, and a bare `postmaster`
    (which has no domain to normalise) as `postmaster`. Raises `InvalidAddress`."""
    if address.strip().strip("<>").strip().lower() == POSTMASTER:
        return POSTMASTER
    return normalize(address)
