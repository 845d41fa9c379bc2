"""Bounces of SMS and fax deliveries: an RFC 3464 DSN to the sender, like an e-mail's.

A failed channel delivery reports back exactly as a failed SMTP delivery does: from the
null sender, through the outbound service, never for a message that is itself a bounce
(RFC 5321 §4.5.5).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.notify.metrics import NotifyMetrics
from shared.events import ChannelRequest
from shared.mail.bounce import send_bounce
from shared.mail.dsn import RecipientStatus
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.runtime.metrics import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """Why a channel delivery failed for good: an RFC 3463 status and a sentence."""

    status: str
    diagnostic: str


class Bouncer:
    """Sends a DSN for one failed SMS or fax recipient."""

    def __init__(
        self,
        *,
        blobs: BlobStore,
        publisher: EventPublisher,
        hostname: str,
        postmaster: str,
        metrics: NotifyMetrics | None = None,
    ) -> None:
        self._metrics = metrics or NotifyMetrics(Registry())
        self._blobs = blobs
        self._publisher = publisher
        self._hostname = hostname
        self._postmaster = postmaster

    async def bounce(
        self, event: ChannelRequest, original: bytes, failure: Failure, now: datetime
    ) -> None:
        if not event.mail_from:
            log.warning(
                "undeliverable %s %s to %s (no sender to tell): %s",
                event.kind,
                event.reference,
                event.recipient,
                failure.diagnostic,
            )
            self._metrics.bounces.inc(result="dropped")
            return
        await send_bounce(
            self._blobs,
            self._publisher,
            event_id=event.event_id,
            sender=event.mail_from,
            original=original,
            recipients=[
                RecipientStatus(
                    recipient=event.recipient,
                    action="failed",
                    status=failure.status,
                    remote_mta=None,
                    diagnostic=failure.diagnostic,
                    last_attempt=now,
                )
            ],
            arrival=event.queued_at,
            hostname=self._hostname,
            postmaster=self._postmaster,
            now=now,
        )
        self._metrics.bounces.inc(result="sent")
        log.info(
            "%s %s to %s bounced to %s: %s",
            event.kind,
            event.reference,
            event.recipient,
            event.mail_from,
            failure.diagnostic,
        )
