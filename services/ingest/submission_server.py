"""The two submission listeners: port 587 style with STARTTLS (RFC 6409, RFC 3207) and
port 465 style with implicit TLS (RFC 8314, which prefers it), both on aiosmtpd.

Authentication is required for everything that sends (MAIL before AUTH: 530 5.7.0) and is
only possible under TLS. On the STARTTLS listener a client in clear may still greet, ask
for STARTTLS and quit; AUTH there is 538 5.7.11 and is not advertised (STARTTLS is not
demanded for every command, so that a client trying AUTH in clear learns why it fails).
On the implicit-TLS listener the connection is encrypted from its first byte.

Both accept through `shared.runtime.accept`: a trusted proxy's connection starts with a PROXY
header naming the client (before TLS on the implicit-TLS port), which the login
throttle and the log then see instead of the proxy.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.ingest.settings import IngestSettings
from services.ingest.smtp_metrics import CountingSMTP, SmtpMetrics
from services.ingest.submission import SubmissionEnvelope, SubmissionHandler, SubmissionSession
from shared.runtime.accept import Acceptor
from shared.runtime.tls import server_context

_TLS_INFO = ("sslcontext", "peercert", "cipher", "compression", "ssl_object")


class SubmissionSMTP(CountingSMTP):
    """aiosmtpd's SMTP with AUTH required, and, when `implicit_tls`, the connection
    taken as encrypted from the start: AUTH offered at once and `session.ssl` set, as
    after STARTTLS. `client` is the client's address (its proxy's word for it, or the
    peer's)."""

    def __init__(
        self, handler: SubmissionHandler, *, implicit_tls: bool, client: str, **kwargs: Any
    ) -> None:
        super().__init__(handler, auth_required=True, auth_require_tls=True, **kwargs)
        self.client = client
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
        self._acceptors: list[Acceptor] = []

    def _protocol(self, tls: ssl.SSLContext, client: str, *, implicit: bool) -> SMTP:
        return SubmissionSMTP(
            self._handler,
            implicit_tls=implicit,
            client=client,
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
        proxies = self._settings.proxies
        s = self._settings
        try:
            for listen, implicit in ((s.submission_listen, False), (s.submissions_listen, True)):
                acceptor = Acceptor(
                    listen,
                    functools.partial(self._protocol, tls, implicit=implicit),
                    tls=tls if implicit else None,
                    proxies=proxies,
                    name=f"submission {listen}",
                )
                await acceptor.start()
                self._acceptors.append(acceptor)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop accepting; sessions in progress end with their connection."""
        acceptors, self._acceptors = self._acceptors, []
        for acceptor in acceptors:
            await acceptor.stop()

    def listeners(self) -> list[str]:
        return [
            f"Submission  {self._settings.submission_listen} (STARTTLS)",
            f"Submission  {self._settings.submissions_listen} (TLS)",
        ]
