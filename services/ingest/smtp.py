"""Inbound SMTP (RFC 5321) handler for aiosmtpd: protocol state stays in aiosmtpd's
`Session`/`Envelope`; this handler only decides replies and hands accepted mail on.

A message is answered 250 only once its bytes are in the blob store and its
`mail.received` event is acknowledged by JetStream; anything else is a 4xx, so the
sending server keeps the message and retries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.ingest.trace import trace_header
from shared.events import MailReceived, new_event_id
from shared.mail.addresses import InvalidAddress
from shared.model import Account, Quota
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.workflows.directory import envelope_recipient

log = logging.getLogger(__name__)

Resolve = Callable[[str], Awaitable[Account | None]]
QuotaOf = Callable[[str], Awaitable[Quota]]


class InboundHandler:
    def __init__(
        self,
        *,
        resolve: Resolve,
        quota: QuotaOf,
        blobs: BlobStore,
        publisher: EventPublisher,
        max_recipients: int,
    ) -> None:
        self._resolve = resolve
        self._quota = quota
        self._blobs = blobs
        self._publisher = publisher
        self._max_recipients = max_recipients

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= self._max_recipients:
            return "452 4.5.3 Too many recipients"
        try:
            recipient = envelope_recipient(address)
        except InvalidAddress:
            return "501 5.1.3 Bad recipient address syntax"
        try:
            account = await self._resolve(recipient)
            quota = await self._quota(account.id) if account is not None else None
        except Exception:  # directory unreachable: the sender retries
            log.exception("recipient lookup failed")
            return "451 4.3.0 Recipient lookup failed, try again later"
        if account is None:
            return f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"
        if quota is not None and not quota.admits(_declared_size(envelope)):
            # RFC 3463 4.2.2: temporary, so the sending server keeps the message and
            # retries; the other recipients of the transaction are not affected.
            return f"452 4.2.2 <{recipient}>: Mailbox full, try again later"
        envelope.rcpt_tos.append(recipient)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        if not isinstance(raw, bytes):
            return "554 5.6.0 Message content unavailable"
        event_id = new_event_id()
        received_at = datetime.now(UTC)
        raw = (
            trace_header(
                mail_from=envelope.mail_from or "",
                helo=session.host_name or "",
                peer_ip=_peer(session),
                hostname=server.hostname,
                protocol=_protocol(session),
                queue_id=event_id,
                recipients=list(envelope.rcpt_tos),
                when=received_at,
            )
            + raw
        )
        try:
            blob_id = await self._blobs.put(raw)
            await self._publisher.publish(
                MailReceived(
                    event_id=event_id,
                    blob_id=blob_id,
                    size=len(raw),
                    mail_from=envelope.mail_from or "",
                    rcpt_to=list(envelope.rcpt_tos),
                    received_at=received_at,
                    peer=_peer(session),
                    helo=session.host_name or "",
                )
            )
        except Exception:  # not durable: refuse temporarily, nothing is lost
            log.exception("could not queue message from %s", _peer(session))
            return "451 4.3.0 Temporary failure, please try again later"
        return f"250 2.0.0 Ok: queued as {event_id}"


def _declared_size(envelope: Envelope) -> int:
    """The SIZE= the client announced at MAIL FROM (RFC 1870), else 0."""
    for option in envelope.mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0


def _protocol(session: Session) -> str:
    """RFC 3848 names: SMTP, ESMTP, ESMTPS (TLS), ESMTPA/ESMTPSA (authenticated)."""
    if not session.extended_smtp:
        return "SMTP"
    return "ESMTP" + ("S" if session.ssl else "") + ("A" if session.authenticated else "")


def _peer(session: Session) -> str:
    peer = session.peer
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer or "")
