"""The IMAP listeners: plaintext with STARTTLS on `imap_listen`, implicit TLS on
`imaps_listen` (RFC 8314). Stopping one closes its port and says `* BYE` to every
session: at once to those waiting for a command, after the command to the others."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.gateway.frontends import FrontEnd
from services.gateway.imap.session import Session
from shared.settings import parse_listen

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a busy session gets to finish its command when stopping
HANDSHAKE_TIMEOUT = 30.0


class ImapListener:
    def __init__(
        self,
        front: FrontEnd,
        listen: str,
        *,
        implicit_tls: bool,
        plaintext_on_loopback: bool = True,
    ) -> None:
        self._front = front
        self._listen = listen
        self._implicit_tls = implicit_tls
        self._plaintext_on_loopback = plaintext_on_loopback
        self._server: asyncio.Server | None = None
        self._sessions: dict[asyncio.Task[None], Session] = {}

    @property
    def port(self) -> int:
        """The port listened on (the one chosen by the system when configured as 0)."""
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        host, port = parse_listen(self._listen)
        self._server = await asyncio.start_server(
            self._serve,
            host,
            port,
            ssl=self._front.tls if self._implicit_tls else None,
            ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self._implicit_tls else None,
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(
            self._front,
            reader,
            writer,
            tls=self._implicit_tls,
            starttls=None if self._implicit_tls else self._front.tls,
            plaintext_on_loopback=self._plaintext_on_loopback,
        )
        task = asyncio.current_task()
        assert task is not None
        self._sessions[task] = session
        try:
            await session.run()
        except Exception:
            log.exception("IMAP session failed")
        finally:
            self._sessions.pop(task, None)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for session in list(self._sessions.values()):
            session.stop()
        tasks = list(self._sessions)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=STOP_GRACE)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), STOP_GRACE)
        self._server = None

    def describe(self) -> str:
        mode = "implicit TLS" if self._implicit_tls else "STARTTLS"
        return f"IMAP  {self._listen} ({mode})"


def listeners_for(front: FrontEnd) -> list[ImapListener]:
    settings = front.settings
    return [
        ImapListener(front, settings.imap_listen, implicit_tls=False),
        ImapListener(front, settings.imaps_listen, implicit_tls=True),
    ]
