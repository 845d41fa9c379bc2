"""The gateway service: the HTTP API, IMAP and POP3, over the same ports and one login
throttle."""

from __future__ import annotations

import logging

from aiohttp import web
from faststream.nats import NatsBroker, NatsMessage

from services.gateway import imap, pop3
from services.gateway.app import create_app
from services.gateway.changes import ChangeFeed
from services.gateway.frontends import FrontEnd, Listener
from services.gateway.http_server import GatewayRunner
from services.gateway.settings import GatewaySettings, signing_key
from shared.bus import Consumer
from shared.events import MailboxChanged
from shared.login import PasswordLogin
from shared.metrics import Sample
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.index import SearchIndex
from shared.ports.mailbox import MailboxStore
from shared.ratelimit import LoginLimiter
from shared.settings import parse_listen
from shared.tls import server_context

log = logging.getLogger(__name__)


class GatewayService:
    name = "gateway"

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        mailbox: MailboxStore,
        index: SearchIndex,
        blobs: BlobStore,
        publisher: EventPublisher,
    ) -> None:
        self._settings = settings
        limiter = LoginLimiter(
            max_failures=settings.login_max_failures, window=settings.login_window
        )
        self._app = create_app(
            mailbox=mailbox,
            index=index,
            blobs=blobs,
            publisher=publisher,
            secret=signing_key(settings),
            token_ttl=settings.token_ttl,
            login_limiter=limiter,
        )
        self.changes = ChangeFeed()
        front = FrontEnd(
            settings=settings,
            mailbox=mailbox,
            blobs=blobs,
            index=index,
            login=PasswordLogin(mailbox, limiter),
            tls=server_context(settings, settings.mail_hostname),
            changes=self.changes,
        )
        self._listeners: list[Listener] = [*imap.listeners(front), *pop3.listeners(front)]
        self._runner: web.AppRunner | None = None

    def subscribe(self, broker: NatsBroker) -> list[Consumer]:
        # Plain NATS, not a durable consumer: every replica hears of every change.
        @broker.subscriber(f"{MailboxChanged.SUBJECT}.*")
        async def changed(message: NatsMessage) -> None:
            account_id = message.raw_message.subject.rpartition(".")[2]
            self.changes.notify(account_id)

        return []

    async def start(self) -> None:
        host, port = parse_listen(self._settings.http_listen)
        self._runner = GatewayRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        for listener in self._listeners:
            await listener.start()

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

    def metrics(self) -> list[Sample]:
        return []
