"""The gateway service: the HTTP API, IMAP and POP3, over the same ports, one login
throttle and one POP3 maildrop lock (both shared with every replica through the
records and leases it is given)."""

from __future__ import annotations

import logging

from aiohttp import web
from faststream.nats import NatsBroker, NatsMessage

from services.gateway import imap, pop3
from services.gateway.app import create_app
from services.gateway.changes import ChangeFeed
from services.gateway.frontends import FrontEnd, Listener
from services.gateway.http_server import GatewayRunner
from services.gateway.listening import SessionListener
from services.gateway.metrics import GatewayMetrics, TimedIndex
from services.gateway.settings import GatewaySettings, signing_key
from shared.events import MailboxChanged
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.index import SearchIndex
from shared.ports.leases import Leases
from shared.ports.logins import LoginRecords
from shared.ports.uses import GatewayMailbox
from shared.runtime.bus import Consumer
from shared.runtime.login import PasswordLogin, login_throttle
from shared.runtime.metrics import Registry
from shared.runtime.tls import server_context
from shared.settings import parse_listen

log = logging.getLogger(__name__)


class GatewayService:
    name = "gateway"

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        mailbox: GatewayMailbox,
        index: SearchIndex,
        blobs: BlobStore,
        publisher: EventPublisher,
        login_records: LoginRecords,
        leases: Leases,
        registry: Registry | None = None,
    ) -> None:
        self._settings = settings
        throttle = login_throttle(settings, login_records)
        registry = registry or Registry()
        self._metrics = metrics = GatewayMetrics(registry)
        registry.on_scrape("mail sessions", self._count_sessions)
        index = TimedIndex(index, metrics.search_seconds)
        self._app = create_app(
            mailbox=mailbox,
            index=index,
            blobs=blobs,
            publisher=publisher,
            secret=signing_key(settings),
            token_ttl=settings.token_ttl,
            login_throttle=throttle,
            trusted_proxies=settings.proxies,
            login_metrics=metrics.logins,
        )
        # Outermost, so that it counts the status the error middleware answers.
        self._app.middlewares.insert(0, metrics.middleware())
        self.changes = ChangeFeed()
        front = FrontEnd(
            settings=settings,
            mailbox=mailbox,
            blobs=blobs,
            index=index,
            login=PasswordLogin(mailbox, throttle, metrics.logins),
            tls=server_context(settings, settings.mail_hostname),
            changes=self.changes,
            metrics=metrics,
        )
        self._leases = leases
        self._listeners: list[Listener] = [*imap.listeners(front), *pop3.listeners(front, leases)]
        self._runner: web.AppRunner | None = None

    def subscribe(self, broker: NatsBroker) -> list[Consumer]:
        # Plain NATS, not a durable consumer: every replica hears of every change. Never a
        # reply: the publisher of a journal entry waits for JetStream's PubAck on the same
        # reply subject, and an answer from here would race it.
        @broker.subscriber(f"{MailboxChanged.SUBJECT}.*", no_reply=True)
        async def changed(message: NatsMessage) -> None:
            account_id = message.raw_message.subject.rpartition(".")[2]
            self.changes.notify(account_id)

        return []

    async def start(self) -> None:
        # The mail listeners first: the HTTP API's /readyz answering means all are up.
        await self._leases.prepare()
        for listener in self._listeners:
            await listener.start()
        host, port = parse_listen(self._settings.http_listen)
        self._runner = GatewayRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        for listener in self._listeners:
            try:
                await listener.stop()
            except Exception:
                log.exception("stopping %s", listener.describe())
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def listeners(self) -> list[str]:
        return [f"HTTP  http://{self._settings.http_listen}/api/v1/"] + [
            listener.describe() for listener in self._listeners
        ]

    async def _count_sessions(self) -> None:
        counts = {"imap": 0, "pop3": 0}
        for listener in self._listeners:
            if isinstance(listener, SessionListener):
                protocol = listener.protocol.lower()
                counts[protocol] = counts.get(protocol, 0) + listener.open_sessions
        for protocol, count in counts.items():
            self._metrics.sessions.set(count, protocol=protocol)
