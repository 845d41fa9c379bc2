"""The notify service: new-mail notifications, and mail to SMS and fax recipients.

Two durable consumers on the NOTIFY work queue: `notify` takes `mail.stored` (the store's
word that a message is in a mailbox) and notifies the user by e-mail and SMS as their
preferences and filters ask; `notify-channels` takes `channel.request` (outbound's
hand-over of a NUMBER@sms / NUMBER@fax recipient) and sends the SMS or fax through the
configured channel adapter, retrying and bouncing like outbound does for e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from faststream.nats import NatsBroker

from services.notify.bounces import Bouncer
from services.notify.channels.http_provider import HttpProviderChannel
from services.notify.channels.spool import SpoolChannel
from services.notify.delivery import ChannelDelivery, RetryPolicy
from services.notify.metrics import NotifyMetrics
from services.notify.newmail import NewMailNotifier
from services.notify.settings import NotifySettings
from shared.events import ChannelRequest, MailStored
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.channels import Channel
from shared.ports.uses import NotifyMailbox
from shared.runtime import bus
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.runtime.metrics import Registry
from shared.runtime.service import ConsumerService
from shared.streams import NOTIFY

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def open_channel(settings: NotifySettings) -> Channel:
    """The channel adapter the settings choose."""
    if settings.channel == "http":
        return HttpProviderChannel(settings.provider_settings())
    return SpoolChannel(settings.spool_directory)


class NotifyService(ConsumerService):
    name = "notify"

    def __init__(
        self,
        settings: NotifySettings,
        *,
        mailbox: NotifyMailbox,
        blobs: BlobStore,
        publisher: EventPublisher,
        channel: Channel | None = None,
        clock: Clock = _utcnow,
        registry: Registry | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry or Registry()
        metrics = NotifyMetrics(self._registry)
        self._channel = channel if channel is not None else open_channel(settings)
        self.notifier = NewMailNotifier(
            mailbox=mailbox,
            blobs=blobs,
            publisher=publisher,
            channel=self._channel,
            sender=settings.notifications_from,
            hostname=settings.hostname,
            clock=clock,
            metrics=metrics,
        )
        self.delivery = ChannelDelivery(
            mailbox=mailbox,
            blobs=blobs,
            publisher=publisher,
            channel=self._channel,
            bouncer=Bouncer(
                blobs=blobs,
                publisher=publisher,
                hostname=settings.hostname,
                postmaster=settings.bounce_sender,
                metrics=metrics,
            ),
            retry=RetryPolicy(
                period=settings.channel_retry_period,
                first=settings.channel_retry_first,
                longest=settings.channel_retry_max,
            ),
            clock=clock,
            metrics=metrics,
        )

    def subscribe(self, broker: NatsBroker) -> list[bus.Consumer]:
        notifications = bus.subscribe(
            broker,
            subject=MailStored.SUBJECT,
            stream=NOTIFY,
            durable="notify",
            model=MailStored,
            handler=self.notifier.handle,
            max_deliver=self._settings.max_deliver,
            workers=4,
            ack_wait=self._settings.ack_wait,
            metrics=ConsumerMetrics(self._registry),
        )
        channels = bus.subscribe(
            broker,
            subject=ChannelRequest.SUBJECT,
            stream=NOTIFY,
            durable="notify-channels",
            model=ChannelRequest,
            handler=self.delivery.handle,
            max_deliver=None,  # bounded by the channel retry period, like outbound
            workers=4,
            ack_wait=self._settings.ack_wait,  # slow providers report in-progress
            expired=self.delivery.expired,
            metrics=ConsumerMetrics(self._registry),
        )
        return [notifications, channels]

    async def stop(self) -> None:
        if isinstance(self._channel, HttpProviderChannel):
            await self._channel.close()
