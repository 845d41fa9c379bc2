"""`mail.stored` → new-mail notifications by e-mail and SMS (F57, and filters' F27).

The user's preference notifies about unread mail arriving in the Inbox that no program
sent: for each message, or ("first") only when no older unread message waits in the
Inbox. A filter's notify action notifies whatever the folder. Each channel notifies
once per message (the claim `notified:<message>:<channel>`); the claim is given back
when sending fails, so the bus retries it. SMS are paid one part per number from the
account's credit, and none go once it is spent; e-mail ones go on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from services.notify.credit import debit_once
from services.notify.metrics import NotifyMetrics
from services.notify.notifications import email_notification, sms_notification
from shared.events import MailStored, NotifyRequest, OutboundRequest, derived_id
from shared.metrics import Registry
from shared.model import Account, NotifyMode, Preferences
from shared.phones import InvalidNumber, channel_of, mobile_number, parse_channel_recipient
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.channels import Channel, ChannelPermanentError
from shared.ports.mailbox import MailboxStore, NotFound

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def notified_key(message_id: str, channel: str) -> str:
    return f"notified:{message_id}:{channel}"


class NewMailNotifier:
    """Handles `MailStored` events for the notify service."""

    def __init__(
        self,
        *,
        mailbox: MailboxStore,
        blobs: BlobStore,
        publisher: EventPublisher,
        channel: Channel,
        sender: str,
        hostname: str,
        clock: Clock,
        metrics: NotifyMetrics | None = None,
    ) -> None:
        self._metrics = metrics or NotifyMetrics(Registry())
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher
        self._channel = channel
        self._sender = sender
        self._hostname = hostname
        self._clock = clock

    async def handle(self, event: MailStored) -> None:
        account = await self._mailbox.account(event.account_id)
        if account is None:
            log.info("mail.stored %s: account %s is gone", event.event_id, event.account_id)
            return
        prefs = await self._mailbox.preferences(account.id)
        wanted = await self._by_preference(event, prefs)
        email = [r for r in event.notify if r.channel == "email"]
        sms = [r for r in event.notify if r.channel == "sms"]
        if "email" in wanted or email:
            addresses = await self._email_addresses(account, prefs, "email" in wanted, email)
            await self._once(event, "email", lambda: self._send_email(event, addresses))
        if "sms" in wanted or sms:
            numbers = await self._numbers(account, "sms" in wanted, sms)
            await self._once(event, "sms", lambda: self._send_sms(event, numbers))

    async def _by_preference(self, event: MailStored, prefs: Preferences) -> set[str]:
        """The channels the user's preference asks a notification on for this message."""
        if event.folder_role != "inbox" or not event.unread or event.automatic:
            return set()
        modes: dict[str, NotifyMode] = {
            "email": prefs.notifications.email,
            "sms": prefs.notifications.sms,
        }
        wanted = {channel for channel, mode in modes.items() if mode != "off"}
        if any(modes[c] == "first" for c in wanted) and not await self._first_unread(event):
            wanted = {c for c in wanted if modes[c] == "each"}
        return wanted

    async def _first_unread(self, event: MailStored) -> bool:
        """Whether no other unread message with a lower UID waits in the message's folder."""
        try:
            return not await self._mailbox.unread_before(
                event.account_id, event.folder_id, event.message_id
            )
        except NotFound:
            return False  # moved or removed meanwhile: nothing new to tell about

    async def _email_addresses(
        self, account: Account, prefs: Preferences, preference: bool, requests: list[NotifyRequest]
    ) -> list[str]:
        default = account.address
        if prefs.default_identity_id is not None:
            with contextlib.suppress(NotFound):
                default = (
                    await self._mailbox.identity(account.id, prefs.default_identity_id)
                ).address
        addresses = [default] if preference else []
        for request in requests:
            addresses += request.addresses or [default]
        return _unique(addresses)

    async def _numbers(
        self, account: Account, preference: bool, requests: list[NotifyRequest]
    ) -> list[str]:
        mobile: list[str] = []
        if preference or any(not r.addresses for r in requests):
            found = mobile_number((await self._mailbox.profile(account.id)).phones)
            mobile = [found] if found is not None else []
        given = mobile if preference else []
        for request in requests:
            given += request.addresses or mobile
        numbers = []
        for number in given:
            address = number if channel_of(number) == "sms" else f"{number}@sms"
            try:
                recipient = parse_channel_recipient(address)
            except InvalidNumber as exc:
                log.info("account %s: no SMS notification to %s", account.id, exc)
                continue
            if recipient is not None:
                numbers.append(recipient.number)
        return _unique(numbers)

    async def _once(
        self, event: MailStored, channel: str, send: Callable[[], Awaitable[None]]
    ) -> None:
        key = notified_key(event.message_id, channel)
        if not await self._mailbox.claim_once(event.account_id, key, self._clock()):
            return
        try:
            await send()
        except BaseException:
            with contextlib.suppress(Exception):
                await self._mailbox.release_once(event.account_id, key)
            raise

    async def _send_email(self, event: MailStored, addresses: list[str]) -> None:
        if not addresses:
            return
        event_id = derived_id(event.message_id, "notification", "email")
        raw = email_notification(
            sender=event.sender,
            subject=event.subject,
            received_at=event.received_at,
            from_address=self._sender,
            to=addresses,
            message_id=f"<{event_id}@{self._hostname}>",
            now=self._clock(),
        )
        blob_id = await self._blobs.put(raw)
        await self._publisher.publish(
            OutboundRequest(
                event_id=event_id,
                mail_from="",
                recipients=addresses,
                blob_id=blob_id,
                size=len(raw),
                queued_at=self._clock(),
            )
        )
        self._metrics.notifications.inc(channel="email")

    async def _send_sms(self, event: MailStored, numbers: list[str]) -> None:
        if not numbers:
            log.info("message %s: no mobile number to notify by SMS", event.message_id)
            return
        reference = derived_id(event.message_id, "notification", "sms")
        now = self._clock()
        if not await debit_once(self._mailbox, event.account_id, reference, len(numbers), now):
            log.info("account %s: SMS credit spent, no SMS notification", event.account_id)
            return
        text = sms_notification(event.sender, event.subject)
        for number in numbers:
            try:
                await self._channel.send_sms(
                    number, [text], reference=derived_id(reference, number)
                )
                self._metrics.notifications.inc(channel="sms")
            except ChannelPermanentError as exc:
                log.warning("SMS notification to %s refused: %s", number, exc)


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out
