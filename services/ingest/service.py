"""The ingest service: an SMTP listener that accepts mail for existing accounts, and the
submission listeners (STARTTLS and implicit TLS) where users send mail."""

from __future__ import annotations

import asyncio
import contextlib
import functools

from faststream.nats import NatsBroker

from services.ingest.settings import IngestSettings
from services.ingest.smtp import InboundHandler
from services.ingest.smtp_metrics import CountingSMTP, SmtpMetrics
from services.ingest.submission import SubmissionHandler
from services.ingest.submission_server import SubmissionServer
from shared.ports.blobs import BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.logins import LoginRecords
from shared.ports.uses import IngestMailbox
from shared.runtime.bus import Consumer
from shared.runtime.login import LoginMetrics, PasswordLogin, login_throttle
from shared.runtime.metrics import Registry
from shared.settings import parse_listen
from shared.workflows.directory import resolve_recipient
from shared.workflows.sending import Sender


class IngestService:
    name = "ingest"

    def __init__(
        self,
        settings: IngestSettings,
        *,
        mailbox: IngestMailbox,
        blobs: BlobStore,
        publisher: EventPublisher,
        login_records: LoginRecords,
        registry: Registry | None = None,
    ) -> None:
        self._settings = settings
        registry = registry or Registry()
        self._metrics = SmtpMetrics(registry)
        logins = LoginMetrics(registry)
        logins.declare("submission")
        self.handler = InboundHandler(
            resolve=functools.partial(resolve_recipient, mailbox),
            quota=mailbox.quota,
            blobs=blobs,
            publisher=publisher,
            max_recipients=settings.max_recipients,
        )
        # The gateway's throttle too: failures over submission count for IMAP and HTTP.
        self._login = PasswordLogin(mailbox, login_throttle(settings, login_records), logins)
        self._submission = SubmissionServer(
            settings,
            SubmissionHandler(
                mailbox=mailbox,
                sender=Sender(mailbox=mailbox, blobs=blobs, publisher=publisher),
                login=self._login,
                max_recipients=settings.max_recipients,
            ),
            self._metrics,
        )
        self._server: asyncio.Server | None = None

    def subscribe(self, broker: NatsBroker) -> list[Consumer]:
        return []  # ingest only publishes

    def _protocol(self) -> CountingSMTP:
        return CountingSMTP(
            self.handler,
            metrics=self._metrics,
            listener="mx",
            data_size_limit=self._settings.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self._settings.smtp_hostname,
            ident="Bureau ESMTP",
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> None:
        host, port = parse_listen(self._settings.smtp_listen)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host, port)
        await self._login.prepare()  # so the first unknown address costs no extra hashing
        await self._submission.start()

    async def stop(self) -> None:
        await self._submission.stop()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
            self._server = None

    def listeners(self) -> list[str]:
        return [f"SMTP  {self._settings.smtp_listen}", *self._submission.listeners()]
