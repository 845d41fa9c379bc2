"""The filters service: `mail.received` → one `mail.deliver` per recipient account.

Recipients are resolved (plus-addressing included) and the folder decided; user rules,
spam verdicts, vacation and forwarding join this pipeline in later steps. Delivery
events get ids derived from the received event and the account, so a redelivered
`mail.received` publishes the same `mail.deliver` events and JetStream drops the copies.
"""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker

from shared import bus
from shared.directory import resolve_recipient
from shared.events import MailDeliver, MailReceived, derived_id
from shared.model import FolderRole
from shared.ports.bus import EventPublisher
from shared.ports.mailbox import MailboxStore
from shared.service import ConsumerService
from shared.settings import CommonSettings
from shared.streams import MAIL

log = logging.getLogger(__name__)


class FiltersService(ConsumerService):
    name = "filters"

    def __init__(
        self, settings: CommonSettings, *, mailbox: MailboxStore, publisher: EventPublisher
    ) -> None:
        self._settings = settings
        self._mailbox = mailbox
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
        accounts: set[str] = set()
        for recipient in event.rcpt_to:
            account = await resolve_recipient(self._mailbox, recipient)
            if account is None:
                # Accepted at RCPT time, gone since (account deleted): nothing to deliver.
                log.warning("mail %s: recipient %s no longer exists", event.event_id, recipient)
                continue
            if account.id in accounts:
                continue  # alice@ and alice+news@ in one envelope: one copy
            accounts.add(account.id)
            await self._publisher.publish(
                MailDeliver(
                    event_id=derived_id(event.event_id, account.id),
                    received_event_id=event.event_id,
                    account_id=account.id,
                    recipient=recipient,
                    folder_role=FolderRole.INBOX.value,
                    blob_id=event.blob_id,
                    size=event.size,
                    received_at=event.received_at,
                    mail_from=event.mail_from,
                )
            )
