"""Checks on the automation preferences that need the account (F24, F56, F57), shared by
`PATCH /preferences` and `PUT /vacation`; each refusal is a 422 saying what to change.

A vacation switched on again forgets whom it already answered, so every sender gets a
reply afresh (RFC 3834 §4: "at most one per sender per period" counts per absence).
"""

from __future__ import annotations

from services.gateway.errors import ApiError
from shared.mail import phones
from shared.mail.addresses import InvalidAddress, normalize, without_subaddress
from shared.mail.phones import channel_of
from shared.model import Account, Forwarding, Notifications, Preferences, Vacation
from shared.ports.directory import Directory
from shared.ports.identities import Identities
from shared.ports.uses import GatewayMailbox

VACATION_CLAIMS = "vacation:"  # the claim_once keys of vacation replies (one per sender)


def check_vacation(vacation: Vacation) -> None:
    if vacation.start and vacation.end and vacation.end < vacation.start:
        raise ApiError(
            422, "vacation_end_before_start", "the vacation's end date comes before its start"
        )


async def checked_forwarding(
    mailbox: Directory, account: Account, forwarding: Forwarding
) -> Forwarding:
    """The forwarding with its address normalised (lower-cased, no angle brackets)."""
    if forwarding.address is None:
        return forwarding
    try:
        address: str | None = normalize(forwarding.address)
    except InvalidAddress:
        address = None
    if address is None or channel_of(address) is not None:  # NUMBER@sms is no mailbox
        raise ApiError(
            422, "invalid_forwarding_address", "forwarding.address is not an e-mail address"
        )
    own = {account.address, *(await mailbox.aliases(account.id))}
    # A plus-address of the account's own reaches the account too: the mail would loop.
    if address in own or without_subaddress(address) in own:
        raise ApiError(
            422,
            "forwarding_to_self",
            "forwarding.address is one of this account's own addresses: mail would loop",
        )
    return forwarding.model_copy(update={"address": address})


async def check_notifications(
    mailbox: Identities, account: Account, notifications: Notifications
) -> None:
    if notifications.sms == "off":
        return
    if await mobile_number(mailbox, account) is None:
        raise ApiError(
            422,
            "no_mobile_number",
            "SMS notifications need a mobile number in international format (+32475123456)"
            " among the profile's phones",
        )


async def mobile_number(mailbox: Identities, account: Account) -> str | None:
    """Where the account's SMS notifications would go (the profile's mobile number)."""
    return phones.mobile_number((await mailbox.profile(account.id)).phones)


async def save_preferences(
    mailbox: GatewayMailbox, account: Account, current: Preferences, new: Preferences
) -> Preferences:
    """Store `new`; a vacation going from off to on first forgets the senders already
    answered (before the save, so no reply sent under the new setting is forgotten)."""
    if new.vacation.enabled and not current.vacation.enabled:
        await mailbox.release_once(account.id, VACATION_CLAIMS)
    return await mailbox.set_preferences(account.id, new)
