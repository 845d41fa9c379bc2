"""The outbound service: carries `outbound.request` messages to their recipients.

Local recipients are delivered internally, through filters like any inbound mail; remote
ones over SMTP, one transaction per destination domain, to the smarthost or the domain's
MX; SMS and fax recipients are handed to the notify service (`channels.py`). Each
recipient delivered or handed over is written to a ledger (a JetStream key-value bucket)
before the request is acknowledged, so a request redelivered after a crash skips them.
Temporary failures become a new request for the recipients still pending, due after a
growing delay; permanent failures, and temporary ones past the retry period, return a
delivery status notification (RFC 3464) to the sender.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import dns.asyncresolver
from faststream.nats import NatsBroker
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from services.outbound.channels import channel_request, sort_recipients
from services.outbound.metrics import OutboundMetrics
from services.outbound.mx import LookupFailed, NoMailService, mail_hosts, make_resolver
from services.outbound.settings import DAY, OutboundSettings
from services.outbound.transport import Credentials, Reply, SmtpTransport
from shared.events import MailReceived, OutboundRequest, derived_id
from shared.mail.addresses import InvalidAddress, split
from shared.mail.bounce import send_bounce
from shared.mail.dsn import RecipientStatus
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.directory import Directory
from shared.runtime import bus
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.runtime.metrics import Registry
from shared.runtime.service import ConsumerService
from shared.settings import parse_listen
from shared.streams import OUTBOUND
from shared.workflows.directory import resolve_recipient

log = logging.getLogger(__name__)

LEDGER = "OUTBOUND_SENT"
LOCAL = "@local"  # stands for the domains Bureau hosts, in the per-domain grouping
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboundService(ConsumerService):
    name = "outbound"

    def __init__(
        self,
        settings: OutboundSettings,
        *,
        mailbox: Directory,
        blobs: BlobStore,
        publisher: EventPublisher,
        clock: Clock = _utcnow,
        registry: Registry | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry or Registry()
        self._metrics = OutboundMetrics(self._registry)
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher
        self._clock = clock
        password = settings.smarthost_password
        credentials = (
            Credentials(settings.smarthost_username, password.get_secret_value())
            if settings.smarthost_username and password
            else None
        )
        self._smarthost = SmtpTransport(
            hostname=settings.hostname,
            tls=settings.smarthost_tls,
            timeout=settings.smtp_timeout,
            credentials=credentials,
        )
        # Direct delivery to an MX: TLS when offered (RFC 3207 opportunistic).
        self._direct = SmtpTransport(
            hostname=settings.hostname, tls="opportunistic", timeout=settings.smtp_timeout
        )
        self._resolver: dns.asyncresolver.Resolver | None = None
        self._broker: NatsBroker | None = None
        self._ledger: KeyValue | None = None

    def subscribe(self, broker: NatsBroker) -> list[bus.Consumer]:
        self._broker = broker
        consumer = bus.subscribe(
            broker,
            subject=OutboundRequest.SUBJECT,
            stream=OUTBOUND,
            durable="outbound",
            model=OutboundRequest,
            handler=self.handle,
            max_deliver=None,  # bounded by the retry period instead
            workers=8,
            ack_wait=self._settings.ack_wait,  # long SMTP sessions report in-progress
            expired=self._expired,
            metrics=ConsumerMetrics(self._registry),
        )
        return [consumer]

    async def start(self) -> None:
        assert self._broker is not None
        broker = self._broker
        self._ledger = await bus.with_retries(
            "outbound ledger",
            lambda: broker.key_value(
                LEDGER,
                ttl=self._settings.retry_period + DAY,
                replicas=self._settings.stream_replicas,
            ),
            budget=self._settings.start_timeout,
        )
        js = self._broker.connection.jetstream(timeout=1.5)
        self._registry.on_scrape("outbound queue", lambda: self._metrics.refresh_queue(js))
        self._registry.on_scrape("outbound deferred", self._settle_due)

    async def _settle_due(self) -> None:
        self._metrics.settle_due(self._clock())

    def _expired(self, event: OutboundRequest) -> bool:
        """A request that keeps failing (not an SMTP answer: its blob is gone, a store is
        down) is given up a day after its retry period, as a dead letter."""
        give_up = timedelta(seconds=self._settings.retry_period) + timedelta(days=1)
        return self._clock() - event.queued_at > give_up

    async def handle(self, event: OutboundRequest) -> None:
        now = self._clock()
        if event.not_before is not None and event.not_before > now:
            self._metrics.defer(event.event_id, event.not_before, now)
            raise bus.Defer((event.not_before - now).total_seconds())
        self._metrics.handled(event.event_id)
        raw = await self._blobs.get(event.blob_id)
        pending = [r for r in event.recipients if not await self._was_sent(event, r)]
        by_kind = sort_recipients(pending)
        for channel in by_kind.channels:
            await self._publisher.publish(channel_request(event, channel))
            await self._record_sent(event, channel.address)  # handed over: notify's now
            self._metrics.recipients.inc(result="channel")
        local, remote = await self._split(by_kind.addresses)
        if local:
            await self._deliver_locally(event, local, now)
        replies: dict[str, Reply] = dict(by_kind.refused)
        for domain, recipients in remote.items():
            for recipient, reply in (await self._send(domain, event, recipients, raw)).items():
                if reply.delivered:
                    await self._record_sent(event, recipient)
                replies[recipient] = reply
        await self._settle(event, raw, replies, now)

    async def _split(self, recipients: list[str]) -> tuple[list[str], dict[str, list[str]]]:
        local: list[str] = []
        remote: dict[str, list[str]] = defaultdict(list)
        for recipient in recipients:
            if await resolve_recipient(self._mailbox, recipient) is not None:
                local.append(recipient)
                continue
            try:
                domain = split(recipient)[1]
            except InvalidAddress:
                domain = ""
            if domain and await self._mailbox.hosts_domain(domain):
                domain = LOCAL  # ours, but no such account: refused here, never sent away
            remote[domain].append(recipient)
        return local, remote

    async def _deliver_locally(
        self, event: OutboundRequest, local: list[str], now: datetime
    ) -> None:
        await self._publisher.publish(
            MailReceived(
                event_id=derived_id(event.event_id, "local"),
                blob_id=event.blob_id,
                size=event.size,
                mail_from=event.mail_from,
                rcpt_to=local,
                received_at=now,
                peer="outbound",
                helo=self._settings.hostname,
            )
        )
        for recipient in local:
            await self._record_sent(event, recipient)
        self._metrics.recipients.inc(len(local), result="local")

    async def _send(
        self, domain: str, event: OutboundRequest, recipients: list[str], raw: bytes
    ) -> dict[str, Reply]:
        if not domain:
            return {r: Reply(553, "5.1.3 Bad recipient address syntax") for r in recipients}
        if domain == LOCAL:
            return {r: Reply(550, f"5.1.1 <{r}>: no such user here") for r in recipients}
        if self._settings.smarthost is not None:
            return await self._smarthost.send(
                [parse_listen(self._settings.smarthost)], event.mail_from, recipients, raw
            )
        try:
            hosts = await mail_hosts(domain, self._resolver_for())
        except NoMailService as exc:
            return {r: Reply(550, f"5.1.2 {exc}") for r in recipients}
        except LookupFailed as exc:
            return {r: Reply(451, f"4.4.3 {exc}") for r in recipients}
        port = self._settings.mx_port
        return await self._direct.send([(h, port) for h in hosts], event.mail_from, recipients, raw)

    def _resolver_for(self) -> dns.asyncresolver.Resolver:
        if self._resolver is None:
            self._resolver = make_resolver(self._settings.dns_nameservers)
        return self._resolver

    async def _settle(
        self, event: OutboundRequest, raw: bytes, replies: dict[str, Reply], now: datetime
    ) -> None:
        failed = {r: reply for r, reply in replies.items() if reply.permanent}
        waiting = {
            r: reply for r, reply in replies.items() if not reply.delivered and not reply.permanent
        }
        expired = now - event.queued_at >= timedelta(seconds=self._settings.retry_period)
        if waiting and expired:
            for recipient, reply in waiting.items():
                failed[recipient] = Reply(
                    reply.code, f"4.4.7 Gave up after retrying: {reply.text}", reply.host
                )
            waiting = {}
        if failed:
            await self._bounce(event, raw, failed, now)
        if waiting:
            delay = min(self._settings.retry_first * 2**event.attempt, self._settings.retry_max)
            log.info(
                "outbound %s: %d recipient(s) deferred %.0fs", event.event_id, len(waiting), delay
            )
            await self._publisher.publish(
                event.model_copy(
                    update={
                        "event_id": derived_id(event.event_id, "retry"),
                        "recipients": list(waiting),
                        "attempt": event.attempt + 1,
                        "not_before": now + timedelta(seconds=delay),
                    }
                )
            )
            self._metrics.retries.inc()
        # Counted once settled: a failure above redelivers the request, counted then.
        delivered = sum(1 for reply in replies.values() if reply.delivered)
        self._metrics.recipients.inc(delivered, result="delivered")
        self._metrics.recipients.inc(len(failed), result="failed")
        self._metrics.recipients.inc(len(waiting), result="deferred")

    async def _bounce(
        self, event: OutboundRequest, raw: bytes, failed: dict[str, Reply], now: datetime
    ) -> None:
        if not event.mail_from:
            # Never bounce a bounce (RFC 5321 §4.5.5): note it and drop it.
            log.warning("undeliverable bounce %s to %s", event.event_id, ", ".join(failed))
            self._metrics.bounces.inc(result="dropped")
            return
        hostname = self._settings.hostname
        await send_bounce(
            self._blobs,
            self._publisher,
            event_id=event.event_id,
            sender=event.mail_from,
            original=raw,
            recipients=[
                RecipientStatus(
                    recipient=r,
                    action="failed",
                    status=reply.status if reply.permanent else "4.4.7",
                    remote_mta=reply.host,
                    diagnostic=reply.diagnostic(),
                    last_attempt=now,
                )
                for r, reply in failed.items()
            ],
            arrival=event.queued_at,
            hostname=hostname,
            postmaster=self._settings.postmaster or f"postmaster@{hostname}",
            now=now,
        )
        self._metrics.bounces.inc(result="sent")

    def _key(self, event: OutboundRequest, recipient: str) -> str:
        return f"{event.event_id}.{hashlib.sha256(recipient.lower().encode()).hexdigest()[:32]}"

    async def _was_sent(self, event: OutboundRequest, recipient: str) -> bool:
        assert self._ledger is not None
        try:
            await self._ledger.get(self._key(event, recipient))
        except KeyNotFoundError:
            return False
        return True

    async def _record_sent(self, event: OutboundRequest, recipient: str) -> None:
        assert self._ledger is not None
        await self._ledger.put(self._key(event, recipient), b"1")
