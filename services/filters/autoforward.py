"""Automatic forwarding (F56): every message the filters keep goes on to the address of
the user's preference, and is removed from the account unless the user keeps a copy.

It rides on the filters' own forward (`apply.decisions` sends one `OutboundRequest` with
every forward address, the account's trace on it), so an address both name gets the
message once. What it does not forward:
- mail the filters discarded (the user wanted it nowhere) or filed as spam (forwarding
  spam harms the account's and the platform's reputation);
- mail that already went through this account's forwarding (`forwarding.already_forwarded`):
  kept in the account instead, and the user warned once (`loop_notice`);
- anything from an account an administrator stopped sending: kept.
"""

from __future__ import annotations

from datetime import datetime

from shared.mail.addresses import InvalidAddress, normalize, without_subaddress
from shared.mail.automatic import generated_header
from shared.mail.compose.build import build_message, make_message_id
from shared.mail.compose.types import Outgoing
from shared.mail.filtering.engine import Outcome
from shared.model import Address, Forwarding

AUTO_GENERATED = generated_header("forward-warning")


def target(forwarding: Forwarding, own: set[str]) -> str | None:
    """The address to forward to, normalised; None when unset, unreadable, or the
    account's own (its address, an alias, or a +tag of one: that would only loop)."""
    if not forwarding.address:
        return None
    try:
        address = normalize(forwarding.address)
        base = without_subaddress(address)
    except InvalidAddress:
        return None
    return None if address in own or base in own else address


def apply_forwarding(
    outcome: Outcome,
    *,
    address: str | None,
    keep: bool,
    blocked: bool,
    loop: bool,
    spam: bool,
) -> bool:
    """Add the automatic forward to `outcome` (in place) and, unless `keep`, take the
    message out of the account; or, for a loop or a blocked account, cancel every
    forward and keep the message. True when a loop stopped the automatic forward (the
    user is to be warned)."""
    automatic = address if address and not outcome.discard and not spam else None
    if not outcome.forwards and automatic is None:
        return False
    if blocked or loop:
        outcome.forwards.clear()
        outcome.discard = False  # "forward, keep no copy" keeps it after all
        return loop and automatic is not None
    if automatic is not None:
        if automatic not in {f.lower() for f in outcome.forwards}:
            outcome.forwards.append(automatic)
        if not keep:
            outcome.discard = True
    return False


def loop_notice(
    *, account: str, forward_to: str, postmaster: str, subject: str, seed: str, date: datetime
) -> bytes:
    """The warning put in the user's Inbox the first time a message came back to the
    account through its own automatic forwarding. Marked auto-generated (RFC 3834 §5) so
    that no responder answers it and no new-mail notification is sent for it."""
    text = (
        f"A message arrived that had already been forwarded from {account}. Forwarding it"
        f" again to {forward_to} would have sent it round in a loop, so it was kept in"
        " your Inbox instead.\n\n"
        f"The message: {subject or '(no subject)'}\n\n"
        f"Please check where {forward_to} sends its mail: it probably forwards back to this"
        " account, directly or through other addresses. Automatic forwarding stays on for"
        " other mail; this warning is given once for this forwarding address.\n"
    )
    outgoing = Outgoing(
        sender=Address(name="Mail Delivery System", address=postmaster),
        to=[Address(address=account)],
        subject=f"Automatic forwarding to {forward_to} stopped for a looping message",
        text=text,
        message_id=make_message_id(seed, account.rpartition("@")[2]),
        date=date,
    )
    return AUTO_GENERATED + build_message(outgoing, include_bcc=False)
