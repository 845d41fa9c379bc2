"""The gateway service: serves the HTTP API (IMAP and POP3 front ends join it later)."""

from __future__ import annotations

from aiohttp import web
from faststream.nats import NatsBroker

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings, signing_key
from shared.bus import Consumer
from shared.metrics import Sample
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.index import SearchIndex
from shared.ports.mailbox import MailboxStore
from shared.settings import parse_listen


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
        self._app = create_app(
            mailbox=mailbox,
            index=index,
            blobs=blobs,
            publisher=publisher,
            secret=signing_key(settings),
            token_ttl=settings.token_ttl,
        )
        self._runner: web.AppRunner | None = None

    def subscribe(self, broker: NatsBroker) -> list[Consumer]:
        return []

    async def start(self) -> None:
        host, port = parse_listen(self._settings.http_listen)
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def listeners(self) -> list[str]:
        return [f"HTTP  http://{self._settings.http_listen}/api/v1/"]

    def metrics(self) -> list[Sample]:
        return []
