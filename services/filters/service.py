"""The filters service: `mail.received` → what each recipient account's filters decide.

Recipients are resolved (plus-addressing included) and deduplicated by account. For an
account with filters (F25-F27) the message is read from the blob store and parsed once,
whatever the number of such accounts, and `engine.run` decides; `apply.decisions` turns
that into `mail.deliver` events (the folder, copies, flags, tags, comment, Trash, or
nothing when discarded) and an `outbound.request` for forwards. An account without
filters costs no blob read: its message goes to the Inbox as before. Every event id is
derived from the received event and the account, so a redelivered `mail.received`
publishes the same events and JetStream drops the copies.
"""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker

from services.filters.apply import decisions
from services.filters.engine import Outcome, run
from services.filters.facts import MessageFacts
from services.filters.forwarding import already_forwarded, traced
from shared import bus
from shared.directory import resolve_recipient
from shared.events import MailReceived
from shared.mime import parse_message
from shared.model import Account, ParsedMessage
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.mailbox import MailboxStore
from shared.service import ConsumerService
from shared.settings import CommonSettings
from shared.streams import MAIL

log = logging.getLogger(__name__)


class FiltersService(ConsumerService):
    name = "filters"

    def __init__(
        self,
        settings: CommonSettings,
        *,
        mailbox: MailboxStore,
        blobs: BlobStore,
        publisher: EventPublisher,
    ) -> None:
        self._settings = settings
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher

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
        )
        return [consumer]

    async def handle(self, event: MailReceived) -> None:
        message = _Message(self._blobs, event.blob_id)
        for account, recipient in await self._accounts(event):
            outcome: Outcome | None = None
            filters = await self._mailbox.filters(account.id)
            forward_blob: tuple[str, int] | None = None
            if filters:
                raw, parsed = await message.read()
                outcome = run(filters, MessageFacts.of(raw, recipient=recipient, parsed=parsed))
                if outcome.forwards and (
                    account.submission_blocked or already_forwarded(parsed.headers, account.address)
                ):
                    # A loop, or an account an administrator stopped sending: keep the
                    # message here instead of sending it on.
                    log.warning("mail %s: not forwarded by %s", event.event_id, account.id)
                    outcome.forwards.clear()
                    outcome.discard = False
                elif outcome.forwards:
                    copy = traced(raw, account.address)
                    forward_blob = (await self._blobs.put(copy), len(copy))
                if outcome.discard:
                    log.info("mail %s: discarded for %s by a filter", event.event_id, account.id)
            for published in decisions(
                event, account, recipient, outcome, forward_blob=forward_blob
            ):
                await self._publisher.publish(published)

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
