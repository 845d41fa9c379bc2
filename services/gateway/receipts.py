"""Sending read receipts (F48, RFC 8098) when the user opens a message that asked for one.

The receipt is built and put in the blob store first; then `settle_receipt` moves the
request from pending to sent, which succeeds for exactly one caller (two tabs opening the
message at once, a double click on "send"); only that caller publishes the
`outbound.request`. A crash between the two loses that receipt rather than sending it
twice: RFC 8098 makes receipts a courtesy, never an obligation (§2.1).

A settled receipt puts the `$MDNSent` keyword on the message
(`services/gateway/receipt_keywords.py`), so that desktop clients reading the same mailbox
over IMAP do not send another.

The receipt goes from the null sender (§3: it must never bounce back to the user), to the
address the store recorded from Disposition-Notification-To.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

from aiohttp import web

from services.gateway.context import BLOBS, PUBLISHER
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.receipt_keywords import MDN_SENT, mark_settled
from shared.events import OutboundRequest, derived_id
from shared.mail.compose.build import make_message_id
from shared.mail.compose.mdn import Mode, build_mdn
from shared.model import Account, ReceiptPolicy, ReceiptState, StoredMessage

HEADER_BYTES = 256 * 1024  # read of the original for its header (the receipt's third part)


async def on_open(
    request: web.Request, account: Account, message: StoredMessage, policy: ReceiptPolicy
) -> StoredMessage:
    """What the user's preference says to do with a pending receipt of a message being
    opened; the message as it is afterwards (its `receipt` state). "always" sends only
    when the request comes from the message's own sender (the Return-Path) and the
    account may send: otherwise, as RFC 8098 §2.1 asks, the user is asked instead."""
    if message.receipt != "pending" or policy == "ask":
        return message
    mailbox = mailbox_of(request)
    if policy == "never":
        if await mailbox.settle_receipt(account.id, message.id, "dismissed") is not None:
            await mark_settled(mailbox, account.id, message.id)
            return _settled(message, "dismissed")
    else:
        expected = await expected_address(request, account, message)
        if (
            expected is None
            or account.submission_blocked
            or expected.lower() != return_path(message)
        ):
            return message
        if await send_receipt(request, account, message, mode="automatic") is not None:
            return _settled(message, "sent")
    return await mailbox.message(account.id, message.id)  # settled meanwhile by another


async def send_receipt(
    request: web.Request, account: Account, message: StoredMessage, *, mode: Mode
) -> str | None:
    """Send the receipt of `message`: the address it went to, or None when it was settled
    (sent or dismissed) before this call."""
    mailbox = mailbox_of(request)
    now = datetime.now(UTC)
    expected = await expected_address(request, account, message)
    built = None
    if expected is not None:
        built = await _stored_receipt(request, account, message, expected, mode, now)
    to = await mailbox.settle_receipt(account.id, message.id, "sent")
    if to is None:
        return None
    await mark_settled(mailbox, account.id, message.id)
    if built is None or to != expected:  # the store knows better than the header we read
        built = await _stored_receipt(request, account, message, to, mode, now)
    raw, blob_id = built
    await request.app[PUBLISHER].publish(
        OutboundRequest(
            event_id=derived_id(account.id, message.id, "mdn"),
            account_id=account.id,
            mail_from="",  # RFC 8098 §3: MDNs go from the null reverse-path
            recipients=[to],
            blob_id=blob_id,
            size=len(raw),
            queued_at=now,
        )
    )
    return to


async def expected_address(
    request: web.Request, account: Account, message: StoredMessage
) -> str | None:
    """Where the pending receipt of `message` goes: the store's record (copies of one
    message are listed once), else its Disposition-Notification-To header."""
    for pending in await mailbox_of(request).receipt_requests(account.id):
        if pending.message_id == message.id:
            return pending.to
    return header_address(message, "disposition-notification-to")


def _settled(message: StoredMessage, state: ReceiptState) -> StoredMessage:
    """The opened message as it is once its receipt is settled (and tagged `$MDNSent`)."""
    tags = message.tags if MDN_SENT in message.tags else [*message.tags, MDN_SENT]
    return message.model_copy(update={"receipt": state, "tags": tags})


def return_path(message: StoredMessage) -> str | None:
    return header_address(message, "return-path")


def header_address(message: StoredMessage, name: str) -> str | None:
    """The first address of the message's header field `name`, lower-cased; None if the
    field is missing or holds none."""
    for field, value in message.headers:
        if field.lower() == name:
            address = parseaddr(value)[1].strip()
            return address.lower() if "@" in address else None
    return None


async def _stored_receipt(
    request: web.Request,
    account: Account,
    message: StoredMessage,
    to: str,
    mode: Mode,
    now: datetime,
) -> tuple[bytes, str]:
    blobs = request.app[BLOBS]
    (head,) = await blobs.get_many([message.blob_id], head=HEADER_BYTES)
    seed = derived_id(account.id, message.id, "mdn")
    raw = build_mdn(
        account_address=account.address,
        receipt_to=to,
        original_subject=message.subject,
        original_message_id=message.message_id,
        original_header=head,
        original_recipient=_field(message, "original-recipient"),
        mode=mode,
        message_id=make_message_id(seed, account.address.rpartition("@")[2]),
        date=now,
    )
    return raw, await blobs.put(raw)


def _field(message: StoredMessage, name: str) -> str | None:
    return next((value for field, value in message.headers if field.lower() == name), None)
