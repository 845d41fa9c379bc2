"""The two submission listeners: port 587 style with STARTTLS (RFC 6409, RFC 3207) and
port 465 style with implicit TLS (RFC 8314, which prefers it), both on aiosmtpd.

Authentication is required for everything that sends (MAIL before AUTH: 530 5.7.0) and is
only possible under TLS. On the STARTTLS listener a client in clear may still greet, ask
for STARTTLS and quit; AUTH there is 538 5.7.11 and is not advertised (STARTTLS is not
demanded for every command, so that a client trying AUTH in clear learns why it fails).
On the implicit-TLS listener the connection is encrypted from its first byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.ingest.settings import IngestSettings
from services.ingest.smtp_metrics import CountingSMTP, SmtpMetrics
from services.ingest.submission import SubmissionEnvelope, SubmissionHandler, SubmissionSession
from shared.settings import parse_listen
from shared.tls import server_context

_TLS_HANDSHAKE_TIMEOUT = 30.0
_TLS_INFO = ("sslcontext", "peercert", "cipher", "compression", "ssl_object")


class SubmissionSMTP(CountingSMTP):
    """aiosmtpd's SMTP with AUTH required, and, when `implicit_tls`, the connection
    taken as encrypted from the start: AUTH offered at once and `session.ssl` set, as
    after STARTTLS."""

    def __init__(self, handler: SubmissionHandler, *, implicit_tls: bool, **kwargs: Any) -> None:
        super().__init__(handler, auth_required=True, auth_require_tls=True, **kwargs)
        self._implicit_tls = implicit_tls
        if implicit_tls:
            # aiosmtpd only knows TLS it started itself (STARTTLS); the transport here
            # is TLS already. Set after __init__, which warns about AUTH without TLS.
            self._auth_require_tls = False

    def _create_session(self) -> Session:
        return SubmissionSession(self.loop)

    def _create_envelope(self) -> Envelope:
        return SubmissionEnvelope()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self._implicit_tls and self.session is not None and self.session.ssl is None:
            self.session.ssl = {name: transport.get_extra_info(name) for name in _TLS_INFO}


class SubmissionServer:
    def __init__(
        self,
        settings: IngestSettings,
        handler: SubmissionHandler,
        metrics: SmtpMetrics | None = None,
    ) -> None:
        self._settings = settings
        self._handler = handler
        self._metrics = metrics
        self._servers: list[asyncio.Server] = []

    def _protocol(self, tls: ssl.SSLContext, *, implicit: bool) -> SMTP:
        return SubmissionSMTP(
            self._handler,
            implicit_tls=implicit,
            metrics=self._metrics,
            listener="submission",
            tls_context=None if implicit else tls,
            data_size_limit=self._settings.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self._settings.smtp_hostname,
            ident="Bureau ESMTP submission",
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> None:
        tls = server_context(self._settings, self._settings.smtp_hostname)
        loop = asyncio.get_running_loop()
        starttls = parse_listen(self._settings.submission_listen)
        implicit = parse_listen(self._settings.submissions_listen)
        try:
            self._servers.append(
                await loop.create_server(lambda: self._protocol(tls, implicit=False), *starttls)
            )
            self._servers.append(
                await loop.create_server(
                    lambda: self._protocol(tls, implicit=True),
                    *implicit,
                    ssl=tls,
                    ssl_handshake_timeout=_TLS_HANDSHAKE_TIMEOUT,
                )
            )
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        for server in servers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 5.0)

    def listeners(self) -> list[str]:
        return [
            f"Submission  {self._settings.submission_listen} (STARTTLS)",
            f"Submission  {self._settings.submissions_listen} (TLS)",
        ]
