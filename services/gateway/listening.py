"""A TCP listener for a line protocol's sessions (IMAP, POP3): plaintext or implicit TLS,
one task per connection, and a stop that lets busy sessions finish their command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from typing import Protocol

from shared.settings import parse_listen

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a session busy with a command gets to finish when stopping
HANDSHAKE_TIMEOUT = 30.0


class Serving(Protocol):
    async def run(self) -> None:
        """Serve the connection until it ends."""
        ...

    def stop(self) -> None:
        """Say goodbye: at once when waiting for a command, after it otherwise."""
        ...


SessionFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Serving]


class SessionListener:
    def __init__(
        self,
        *,
        protocol: str,
        listen: str,
        tls: ssl.SSLContext | None,
        mode: str,
        new_session: SessionFactory,
        line_limit: int = 2**16,
    ) -> None:
        self._protocol = protocol
        self._listen = listen
        self._tls = tls  # implicit TLS when given
        self._mode = mode
        self._new_session = new_session
        self._line_limit = line_limit
        self._server: asyncio.Server | None = None
        self._sessions: dict[asyncio.Task[None], Serving] = {}

    @property
    def protocol(self) -> str:
        return self._protocol

    @property
    def open_sessions(self) -> int:
        return len(self._sessions)

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose when configured as 0)."""
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        host, port = parse_listen(self._listen)
        self._server = await asyncio.start_server(
            self._serve,
            host,
            port,
            ssl=self._tls,
            ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self._tls else None,
            limit=self._line_limit,
        )

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
        return f"{self._protocol}  {self._listen} ({self._mode})"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = self._new_session(reader, writer)
        task = asyncio.current_task()
        assert task is not None
        self._sessions[task] = session
        try:
            await session.run()
        except Exception:
            log.exception("%s session failed", self._protocol)
        finally:
            self._sessions.pop(task, None)
