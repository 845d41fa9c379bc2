"""Telling a sender that some recipients of a message could not be reached: an RFC 3464
DSN (`shared/mail/dsn.py`), put in the blob store and sent from the null sender. Outbound
bounces e-mail recipients with it, notify SMS and fax ones."""

from __future__ import annotations

from datetime import datetime

from shared.events import OutboundRequest, derived_id
from shared.mail.dsn import RecipientStatus, build_dsn
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher


async def send_bounce(
    blobs: BlobStore,
    publisher: EventPublisher,
    *,
    event_id: str,
    sender: str,
    original: bytes,
    recipients: list[RecipientStatus],
    arrival: datetime,
    hostname: str,
    postmaster: str,
    now: datetime,
) -> None:
    """Send `sender` the DSN about `recipients` of the request `event_id` (the bounce's own
    id is derived from it, so a retried request bounces once). `sender` must not be the
    null reverse-path: a bounce is never bounced (RFC 5321 §4.5.5)."""
    dsn = build_dsn(
        reporting_mta=hostname,
        postmaster=postmaster,
        original_sender=sender,
        original=original,
        recipients=recipients,
        arrival=arrival,
        message_id_domain=hostname,
    )
    blob_id = await blobs.put(dsn)
    await publisher.publish(
        OutboundRequest(
            event_id=derived_id(event_id, "bounce"),
            mail_from="",
            recipients=[sender],
            blob_id=blob_id,
            size=len(dsn),
            queued_at=now,
        )
    )
