"""The filters service: `mail.received` → what each recipient account's filters decide.

Recipients are resolved (plus-addressing included) and deduplicated by account. For an
account with filters (F25-F27) the message is read from the blob store and parsed once,
whatever the number of such accounts, and `engine.run` decides; `apply.decisions` turns
that into `mail.deliver` events (the folder, copies, flags, tags, comment, Trash, or
nothing when discarded) and an `outbound.request` for forwards. An account without
filters costs no blob read: its message goes to the Inbox as before. Every event id is
derived from the received event and the account, so a redelivered `mail.received`
publishes the same events and JetStream drops the copies.

After the filters come the account's automations, which read the message too: the
vacation reply (F24, `vacation.py`, published before the delivery) and automatic
forwarding (F56, `autoforward.py`), which joins the filters' forward and takes the message
out of the account unless the user keeps a copy; a loop keeps it and warns the user once
(`automation.py`). Mail Bureau generated itself (`shared/mail/automatic.py`) gets none of
them, and its filters' notify and forward actions are dropped: nothing it triggers can
come back as more of it.
"""

from __future__ import annotations

import logging
import socket

from faststream.nats import NatsBroker

from services.filters.apply import decisions
from services.filters.autoforward import apply_forwarding, target
from services.filters.automation import (
    Ports,
    postmaster_address,
    send_vacation_reply,
    warn_of_loop,
)
from services.filters.forwarding import already_forwarded, traced
from shared.events import MailDeliver, MailReceived, OutboundRequest
from shared.mail.automatic import is_generated
from shared.mail.filtering.engine import Outcome, quiet, run
from shared.mail.filtering.facts import MessageFacts
from shared.mail.mime import parse_message
from shared.model import Account, FolderRole, ParsedMessage, Preferences
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.mailbox import NotFound
from shared.ports.uses import FiltersMailbox
from shared.runtime import bus
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.runtime.metrics import Registry
from shared.runtime.service import ConsumerService
from shared.settings import CommonSettings
from shared.streams import MAIL
from shared.workflows.directory import resolve_recipient

log = logging.getLogger(__name__)


class FiltersService(ConsumerService):
    name = "filters"

    def __init__(
        self,
        settings: CommonSettings,
        *,
        mailbox: FiltersMailbox,
        blobs: BlobStore,
        publisher: EventPublisher,
        hostname: str | None = None,
        registry: Registry | None = None,
    ) -> None:
        """`hostname` names the sender of warnings (postmaster@hostname); the machine's
        name by default."""
        self._registry = registry or Registry()
        self._outcomes = self._registry.counter(
            "bureau_filters_messages_total",
            "Messages per recipient account, by outcome: delivered (to a folder), discarded,"
            " forwarded (one kept and forwarded counts under both)",
            ("outcome",),
        )
        self._automatic = self._registry.counter(
            "bureau_filters_automatic_mail_total",
            "Mail the filters service wrote itself: vacation replies, forwarding-loop warnings",
            ("kind",),
        )
        self._outcomes.declare(outcome=("delivered", "discarded", "forwarded"))
        self._automatic.declare(kind=("vacation_reply", "loop_warning"))
        self._settings = settings
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher
        self._ports = Ports(mailbox, blobs, publisher)
        self._hostname = hostname or socket.getfqdn()

    def subscribe(self, broker: NatsBroker) -> list[bus.Consumer]:
        consumer = bus.subscribe(
            broker,
            subject=MailReceived.SUBJECT,
            stream=MAIL,
            durable="filters",
            model=MailReceived,
            handler=self.handle,
            max_deliver=self._settings.max_deliver,
            ack_wait=self._settings.ack_wait,
            workers=8,
            metrics=ConsumerMetrics(self._registry),
        )
        return [consumer]

    async def handle(self, event: MailReceived) -> None:
        message = _Message(self._blobs, event.blob_id)
        for account, recipient in await self._accounts(event):
            await self._account(event, message, account, recipient)

    async def _account(
        self, event: MailReceived, message: _Message, account: Account, recipient: str
    ) -> None:
        """Everything one account's filters and automations publish for this message."""
        filters = await self._mailbox.filters(account.id)
        preferences = await self._mailbox.preferences(account.id)
        vacation = preferences.vacation.active(event.received_at)
        outcome: Outcome | None = None
        forward_blob: tuple[str, int] | None = None
        if filters or vacation or preferences.forwarding.address:
            raw, parsed = await message.read()
            outcome = (
                run(filters, MessageFacts.of(raw, recipient=recipient, parsed=parsed))
                if filters
                else Outcome()
            )
            if is_generated(parsed.headers):
                # Bureau's own mail is filed like any other, but sets nothing in motion.
                quiet(outcome)
                log.info("mail %s: generated by Bureau, no automation", event.event_id)
            else:
                await self._automations(event, account, recipient, parsed, outcome, preferences)
            if outcome.forwards:
                copy = traced(raw, account.address)
                forward_blob = (await self._blobs.put(copy), len(copy))
            if outcome.discard:
                log.info("mail %s: not stored for %s", event.event_id, account.id)
        events = decisions(event, account, recipient, outcome, forward_blob=forward_blob)
        for published in events:
            await self._publisher.publish(published)
        kinds = {type(e) for e in events}
        self._outcomes.inc(outcome="delivered" if MailDeliver in kinds else "discarded")
        if OutboundRequest in kinds:
            self._outcomes.inc(outcome="forwarded")

    async def _automations(
        self,
        event: MailReceived,
        account: Account,
        recipient: str,
        parsed: ParsedMessage,
        outcome: Outcome,
        preferences: Preferences,
    ) -> None:
        """The vacation reply, then forwarding (the filters' and the automatic one) with
        its loop protection; `outcome` is changed in place by forwarding."""
        own = {
            account.address.lower(),
            *(a.lower() for a in await self._mailbox.aliases(account.id)),
        }
        spam = await self._spam(account, outcome, parsed)
        if (
            preferences.vacation.active(event.received_at)
            and not account.submission_blocked
            and not (outcome.discard or outcome.delete or spam)
        ):
            if await send_vacation_reply(
                self._ports,
                event,
                account,
                recipient=recipient,
                parsed=parsed,
                vacation=preferences.vacation,
                own=own,
            ):
                self._automatic.inc(kind="vacation_reply")
        forward_to = target(preferences.forwarding, own)
        loop = already_forwarded(parsed.headers, account.address)
        if outcome.forwards and (loop or account.submission_blocked):
            # A loop, or an account an administrator stopped sending: keep the message
            # here instead of sending it on.
            log.warning("mail %s: not forwarded by %s", event.event_id, account.id)
        warn = apply_forwarding(
            outcome,
            address=forward_to,
            keep=preferences.forwarding.keep,
            blocked=account.submission_blocked,
            loop=loop,
            spam=spam,
        )
        if warn and forward_to is not None:
            log.warning("mail %s: %s forwarding loop to %s", event.event_id, account.id, forward_to)
            if await warn_of_loop(
                self._ports,
                event,
                account,
                forward_to=forward_to,
                subject=parsed.subject,
                postmaster=postmaster_address(self._hostname, account),
            ):
                self._automatic.inc(kind="loop_warning")

    async def _spam(self, account: Account, outcome: Outcome, parsed: ParsedMessage) -> bool:
        """Whether the message is spam: a spam filter's verdict in its header, or the
        user's filters filed it in Spam. In doubt it is, and gets no automatic mail."""
        for name, value in parsed.headers:
            key = name.lower()
            if key in ("x-spam-flag", "x-spam-status") and value.strip().lower().startswith("yes"):
                return True
        if outcome.folder_id is None or outcome.delete:
            return False
        try:
            spam = await self._mailbox.folder_by_role(account.id, FolderRole.SPAM)
        except NotFound:
            return False
        return outcome.folder_id == spam.id

    async def _accounts(self, event: MailReceived) -> list[tuple[Account, str]]:
        """Each recipient account once, with the first envelope recipient that reached it."""
        found: dict[str, tuple[Account, str]] = {}
        for recipient in event.rcpt_to:
            account = await resolve_recipient(self._mailbox, recipient)
            if account is None:
                # Accepted at RCPT time, gone since (account deleted): nothing to deliver.
                log.warning("mail %s: recipient %s no longer exists", event.event_id, recipient)
                continue
            found.setdefault(account.id, (account, recipient))  # alice@ + alice+news@: once
        return list(found.values())


class _Message:
    """The raw message and its parse, read on first need and once per `mail.received`."""

    def __init__(self, blobs: BlobStore, blob_id: str) -> None:
        self._blobs = blobs
        self._blob_id = blob_id
        self._read: tuple[bytes, ParsedMessage] | None = None

    async def read(self) -> tuple[bytes, ParsedMessage]:
        if self._read is None:
            raw = await self._blobs.get(self._blob_id)
            self._read = (raw, parse_message(raw))
        return self._read
