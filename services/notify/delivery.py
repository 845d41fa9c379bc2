"""`channel.request` → one SMS or fax to one recipient (F3, F4).

An SMS sends the message's text body in as many parts as it takes, paid from the
sender's SMS credit once per request however often it is retried; a spent credit
bounces. A fax sends the cover page and the attachments as one PDF. A temporary channel
failure becomes a new request, due after a doubling delay, until the retry period from
`queued_at` has passed; a permanent failure, or the end of that period, bounces.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notify.bounces import Bouncer, Failure
from services.notify.content import attachments, fax_cover, sms_text
from services.notify.credit import debit_once
from services.notify.fax import fax_document
from services.notify.metrics import NotifyMetrics
from shared.events import ChannelRequest, derived_id
from shared.mail.mime import parse_message
from shared.mail.sms import SmsTooLong, split_sms
from shared.ports.automation import AutomationState
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.channels import Channel, ChannelPermanentError, ChannelTemporaryError
from shared.runtime import bus
from shared.runtime.metrics import Registry

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

CREDIT_SPENT = Failure("5.7.0", "the SMS credit of the sender's account is spent for this month")


@dataclass(frozen=True)
class RetryPolicy:
    period: float  # seconds from queued_at during which temporary failures are retried
    first: float  # seconds before the first retry; doubled each time
    longest: float  # the delay never grows past this

    def delay(self, attempt: int) -> float:
        return float(min(self.first * 2**attempt, self.longest))


class ChannelDelivery:
    """Handles `ChannelRequest` events for the notify service."""

    def __init__(
        self,
        *,
        mailbox: AutomationState,
        blobs: BlobStore,
        publisher: EventPublisher,
        channel: Channel,
        bouncer: Bouncer,
        retry: RetryPolicy,
        clock: Clock,
        metrics: NotifyMetrics | None = None,
    ) -> None:
        self._metrics = metrics or NotifyMetrics(Registry())
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher
        self._channel = channel
        self._bouncer = bouncer
        self._retry = retry
        self._clock = clock

    def expired(self, event: ChannelRequest) -> bool:
        """A request that keeps failing (not a channel answer: its blob is gone, a store
        is down) is given up a day after the retry period, as a dead letter."""
        give_up = timedelta(seconds=self._retry.period) + timedelta(days=1)
        return self._clock() - event.queued_at > give_up

    async def handle(self, event: ChannelRequest) -> None:
        now = self._clock()
        if event.not_before is not None and event.not_before > now:
            raise bus.Defer((event.not_before - now).total_seconds())
        raw = await self._blobs.get(event.blob_id)
        failure = await self._send(event, raw, now)
        if failure is not None:
            await self._bouncer.bounce(event, raw, failure, now)
            self._metrics.channel_messages.inc(kind=event.kind, result="failed")

    async def _send(self, event: ChannelRequest, raw: bytes, now: datetime) -> Failure | None:
        """Deliver once; the failure to bounce, or None (sent, or a retry queued)."""
        parsed = parse_message(raw)
        try:
            if event.kind == "sms":
                try:
                    parts = split_sms(sms_text(parsed))
                except SmsTooLong as exc:
                    return Failure("5.3.4", f"message too long for SMS: {exc}")
                if event.account_id is not None and not await debit_once(
                    self._mailbox, event.account_id, event.reference, len(parts), now
                ):
                    log.info("sms %s: credit of %s spent", event.reference, event.account_id)
                    return CREDIT_SPENT
                await self._channel.send_sms(event.number, parts, reference=event.reference)
            else:
                pdf = fax_document(fax_cover(parsed, event.number), attachments(raw))
                await self._channel.send_fax(event.number, pdf, reference=event.reference)
        except ChannelPermanentError as exc:
            return Failure("5.0.0", str(exc))
        except ChannelTemporaryError as exc:
            return await self._retry_later(event, exc, now)
        log.info("%s %s delivered to %s", event.kind, event.reference, event.number)
        self._metrics.channel_messages.inc(kind=event.kind, result="sent")
        return None

    async def _retry_later(
        self, event: ChannelRequest, exc: ChannelTemporaryError, now: datetime
    ) -> Failure | None:
        if now - event.queued_at >= timedelta(seconds=self._retry.period):
            return Failure("4.4.7", f"gave up after retrying: {exc}")
        delay = self._retry.delay(event.attempt)
        log.info("%s %s deferred %.0fs: %s", event.kind, event.reference, delay, exc)
        await self._publisher.publish(
            event.model_copy(
                update={
                    "event_id": derived_id(event.event_id, "retry"),
                    "attempt": event.attempt + 1,
                    "not_before": now + timedelta(seconds=delay),
                }
            )
        )
        self._metrics.channel_messages.inc(kind=event.kind, result="retried")
        return None
