"""The filters service's automatic mail: the vacation reply (F24) and the warning of a
forwarding loop (F56). Each is claimed once in the mailbox store before it is published
(`claim_once`, keys agreed with the other services), and the claim is given back when
publishing fails, so that the redelivered `mail.received` tries again instead of finding
the claim taken and sending nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from services.filters.autoforward import loop_notice
from services.filters.vacation import exclusion
from services.filters.vacation_reply import ReplyTo, build_reply
from shared.events import MailDeliver, MailReceived, OutboundRequest, derived_id
from shared.mail.addresses import InvalidAddress, normalize
from shared.model import Account, FolderRole, ParsedMessage, Vacation
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.uses import FiltersMailbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ports:
    mailbox: FiltersMailbox
    blobs: BlobStore
    publisher: EventPublisher


async def send_vacation_reply(
    ports: Ports,
    event: MailReceived,
    account: Account,
    *,
    recipient: str,
    parsed: ParsedMessage,
    vacation: Vacation,
    own: set[str],
) -> bool:
    """Answer the sender with the vacation reply unless RFC 3834 says not to, or this
    sender had one within `vacation.days`. True when a reply was published."""
    reason = exclusion(
        mail_from=event.mail_from, headers=parsed.headers, own=own, recipient=recipient
    )
    if reason is not None:
        log.info("mail %s: no vacation reply for %s (%s)", event.event_id, account.id, reason)
        return False
    sender = normalize(event.mail_from)  # `exclusion` read it already
    profile = await ports.mailbox.profile(account.id)
    name = profile.full_name.strip() or f"{profile.first_name} {profile.last_name}".strip()
    event_id = derived_id(event.event_id, account.id, "vacation")
    try:
        raw = build_reply(
            vacation,
            address=account.address,
            name=name,
            to=ReplyTo(sender=sender, original=parsed, seed=event_id, date=event.received_at),
        )
    except ValueError as exc:  # an address no message can be written to
        log.warning("mail %s: no vacation reply for %s: %s", event.event_id, account.id, exc)
        return False
    key = f"vacation:{sender}"
    every = timedelta(days=vacation.days)
    if not await ports.mailbox.claim_once(account.id, key, event.received_at, every=every):
        return False  # this sender had a reply within `days`
    try:
        blob_id = await ports.blobs.put(raw)
        await ports.publisher.publish(
            OutboundRequest(
                event_id=event_id,
                account_id=account.id,
                mail_from="",  # RFC 3834 §3.3: responses go from the null reverse-path
                recipients=[sender],
                blob_id=blob_id,
                size=len(raw),
                queued_at=event.received_at,
            )
        )
    except BaseException:
        await ports.mailbox.release_once(account.id, key)
        raise
    return True


async def warn_of_loop(
    ports: Ports,
    event: MailReceived,
    account: Account,
    *,
    forward_to: str,
    subject: str,
    postmaster: str,
) -> bool:
    """Put the loop warning in the account's Inbox, the first time only for this
    forwarding address. True when it was published."""
    event_id = derived_id(event.event_id, account.id, "forward-loop")
    try:
        raw = loop_notice(
            account=account.address,
            forward_to=forward_to,
            postmaster=postmaster,
            subject=subject,
            seed=event_id,
            date=event.received_at,
        )
    except ValueError as exc:  # an address no message can be written to
        log.warning("mail %s: no loop warning for %s: %s", event.event_id, account.id, exc)
        return False
    key = f"forward-loop:{forward_to.lower()}"
    if not await ports.mailbox.claim_once(account.id, key, event.received_at):
        return False
    try:
        blob_id = await ports.blobs.put(raw)
        await ports.publisher.publish(
            MailDeliver(
                event_id=event_id,
                received_event_id=event.event_id,
                account_id=account.id,
                recipient=account.address,
                folder_role=FolderRole.INBOX.value,
                blob_id=blob_id,
                size=len(raw),
                received_at=event.received_at,
                mail_from="",
            )
        )
    except BaseException:
        await ports.mailbox.release_once(account.id, key)
        raise
    return True


def postmaster_address(hostname: str, account: Account) -> str:
    """postmaster@hostname, or of the account's domain when the host name is no domain."""
    try:
        return normalize(f"postmaster@{hostname}")
    except InvalidAddress:
        return f"postmaster@{account.address.rpartition('@')[2]}"
