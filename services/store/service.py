"""The store service: `mail.deliver` → a message in a mailbox, journaled and relayed."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.store.housekeeping import Housekeeping
from services.store.relay import JournalRelay
from services.store.settings import StoreSettings
from shared import bus
from shared.events import MailDeliver
from shared.mime import parse_message
from shared.model import FolderRole, NewMessage
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.mailbox import MailboxStore
from shared.service import ConsumerService
from shared.streams import MAIL


class StoreService(ConsumerService):
    name = "store"

    def __init__(
        self,
        settings: StoreSettings,
        *,
        mailbox: MailboxStore,
        blobs: BlobStore,
        publisher: EventPublisher,
    ) -> None:
        self._settings = settings
        self._mailbox = mailbox
        self._blobs = blobs
        self.relay = JournalRelay(mailbox, publisher)
        self.housekeeping = Housekeeping(
            mailbox,
            blobs,
            interval=settings.housekeeping_interval,
            blob_grace=settings.blob_grace,
            upload_lifetime=settings.upload_lifetime,
        )

    def subscribe(self, broker: NatsBroker) -> list[bus.Consumer]:
        consumer = bus.subscribe(
            broker,
            subject=MailDeliver.SUBJECT,
            stream=MAIL,
            durable="store",
            model=MailDeliver,
            handler=self.handle,
            max_deliver=self._settings.max_deliver,
            ack_wait=self._settings.ack_wait,
            workers=8,
        )
        return [consumer]

    async def handle(self, event: MailDeliver) -> None:
        raw = await self._blobs.get(event.blob_id)
        folder = await self._mailbox.folder_by_role(event.account_id, FolderRole(event.folder_role))
        quota = await self._mailbox.quota(event.account_id)
        if quota.limit_bytes is not None and quota.used_bytes + event.size > quota.limit_bytes:
            # Accepted mail is never dropped: Trash makes room first (F40), and a message
            # that still does not fit is delivered anyway (SMTP refuses the next ones).
            await self._mailbox.make_room(event.account_id, event.size)
        await self._mailbox.deliver(
            NewMessage(
                event_id=event.event_id,
                account_id=event.account_id,
                folder_id=folder.id,
                blob_id=event.blob_id,
                size=event.size,
                received_at=event.received_at,
                parsed=parse_message(raw),
            )
        )
        self.relay.wake()

    async def start(self) -> None:
        self.relay.start()
        self.housekeeping.start()

    async def stop(self) -> None:
        await self.housekeeping.stop()
        await self.relay.stop()
