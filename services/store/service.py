"""The store service: `mail.deliver` → a message in a mailbox, journaled and relayed.

A delivery carries what the account's filters decided (F25-F27): the folder (`folder_id`
while it is still one of the account's folders, else the `folder_role` folder), flags,
tags by name, a comment and the filters that matched — the tags (created first when
missing) and the comment written with the message in one change. Every step is
idempotent — the delivery by its event id, tagging and the comment by their current
state — so a redelivered event, complete or cut off half-way, ends in the same one
message.

Incoming mail that asks for a read receipt (Disposition-Notification-To, RFC 8098) is
stored with its receipt pending. Once the message is complete, `mail.stored` tells the
notify service (new-mail notifications, F57); a redelivery publishes it again under the
same id, which JetStream deduplicates.
"""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker

from services.store import arrival
from services.store.housekeeping import Housekeeping
from services.store.metrics import StoreMetrics
from services.store.relay import JournalRelay
from services.store.settings import StoreSettings
from shared.events import MailDeliver
from shared.mail.mime import parse_message
from shared.model import (
    FlagChange,
    Folder,
    FolderRole,
    NewMessage,
    ParsedMessage,
    Selection,
    Tag,
    TagChange,
)
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.mailbox import Conflict, NotFound, Refused
from shared.ports.uses import StoreMailbox
from shared.runtime import bus
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.runtime.metrics import Registry
from shared.runtime.service import ConsumerService
from shared.streams import MAIL

log = logging.getLogger(__name__)

TAG_COLOR = "#808080"  # a tag a filter creates; the user may recolour it


class StoreService(ConsumerService):
    name = "store"

    def __init__(
        self,
        settings: StoreSettings,
        *,
        mailbox: StoreMailbox,
        blobs: BlobStore,
        publisher: EventPublisher,
        registry: Registry | None = None,
    ) -> None:
        self._settings = settings
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher
        self._registry = registry or Registry()
        self._metrics = StoreMetrics(self._registry)
        self._registry.on_scrape(
            "journal backlog", lambda: self._metrics.refresh_backlog(self._mailbox)
        )
        self.relay = JournalRelay(mailbox, publisher, metrics=self._metrics)
        self.housekeeping = Housekeeping(
            mailbox,
            blobs,
            interval=settings.housekeeping_interval,
            blob_grace=settings.blob_grace,
            upload_lifetime=settings.upload_lifetime,
            metrics=self._metrics,
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
            metrics=ConsumerMetrics(self._registry),
        )
        return [consumer]

    async def handle(self, event: MailDeliver) -> None:
        raw = await self._blobs.get(event.blob_id)
        folder = await self._folder(event)
        quota = await self._mailbox.quota(event.account_id)
        if quota.limit_bytes is not None and quota.used_bytes + event.size > quota.limit_bytes:
            # Accepted mail is never dropped: Trash makes room first (F40), and a message
            # that still does not fit is delivered anyway (SMTP refuses the next ones).
            await self._mailbox.make_room(event.account_id, event.size)
        parsed = parse_message(raw)
        # The filters' tags exist before the message does, so that it is written with them
        # and its comment in one change: no client ever sees it without them.
        tags = await self._tags(event.account_id, event.tags)
        delivery = await self._mailbox.deliver(
            NewMessage(
                event_id=event.event_id,
                account_id=event.account_id,
                folder_id=folder.id,
                blob_id=event.blob_id,
                size=event.size,
                received_at=event.received_at,
                unread=event.unread,
                flagged=event.flagged,
                filters=event.filters,
                tags=[tag.name for tag in tags],
                comment=event.comment,
                receipt_to=await self._receipt_to(event.account_id, parsed),
                parsed=parsed,
            )
        )
        self._metrics.deliveries.inc(result="stored" if delivery.created else "duplicate")
        if not delivery.created:
            # Delivered by an earlier attempt: a tag deleted and made again since, or a
            # message written before tags came with it, still gets what the filters said.
            if tags:
                try:
                    await self._mailbox.change_flags(
                        event.account_id,
                        Selection.of(delivery.message_id),
                        FlagChange(),
                        TagChange(add=[tag.name for tag in tags]),
                    )
                except Refused as exc:  # past the tags a message carries: the mail stays
                    log.warning("tags of %s not applied: %s", delivery.message_id, exc)
            if event.comment:
                await self._mailbox.set_comment(
                    event.account_id, delivery.message_id, event.comment
                )
        self.relay.wake()
        stored = arrival.stored_event(event, delivery.message_id, folder, parsed, event.unread)
        await self._publisher.publish(stored)

    async def _receipt_to(self, account_id: str, parsed: ParsedMessage) -> str | None:
        """The read receipt address the message asks for, unless the account sent it."""
        if arrival.header(parsed, "Disposition-Notification-To") is None:
            return None
        account = await self._mailbox.account(account_id)
        own = {a.lower() for a in await self._mailbox.aliases(account_id)}
        if account is not None:
            own.add(account.address.lower())
        return arrival.receipt_to(parsed, own)

    async def _folder(self, event: MailDeliver) -> Folder:
        """The filter's folder while it exists, else the role's folder."""
        if event.folder_id is not None:
            try:
                return await self._mailbox.folder(event.account_id, event.folder_id)
            except NotFound:
                log.info(
                    "deliver %s: folder %s is gone, to %s instead",
                    event.event_id,
                    event.folder_id,
                    event.folder_role,
                )
        return await self._mailbox.folder_by_role(event.account_id, FolderRole(event.folder_role))

    async def _tags(self, account_id: str, names: list[str]) -> list[Tag]:
        """The account's tags of these names, created (grey) when missing."""
        if not names:
            return []
        existing = {t.name: t for t in await self._mailbox.tags(account_id)}
        found: dict[str, Tag] = {}
        for name in names:
            name = " ".join(name.split())  # as the store keeps tag names
            if name in found:
                continue
            tag = existing.get(name)
            if tag is None:
                try:
                    tag = await self._mailbox.create_tag(account_id, name, TAG_COLOR)
                except Conflict:  # created meanwhile (a concurrent delivery, the user)
                    again = {t.name: t for t in await self._mailbox.tags(account_id)}
                    tag = again[name]
                except Refused as exc:  # a name the store cannot keep: the mail still goes
                    log.warning("tag %r of account %s not applied: %s", name, account_id, exc)
                    continue
            found[name] = tag
        return list(found.values())

    async def start(self) -> None:
        self.relay.start()
        self.housekeeping.start()

    async def stop(self) -> None:
        await self.housekeeping.stop()
        await self.relay.stop()
