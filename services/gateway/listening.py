"""A TCP listener for a line protocol's sessions (IMAP, POP3): plaintext or implicit TLS,
the client's address from a trusted proxy's PROXY header (`shared.runtime.accept`), one task per
connection, and a stop that lets busy sessions finish their command."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Protocol

from shared.runtime.accept import Acceptor
from shared.runtime.clients import TrustedProxies

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a session busy with a command gets to finish when stopping


class Serving(Protocol):
    async def run(self) -> None:
        """Serve the connection until it ends."""
        ...

    def stop(self) -> None:
        """Say goodbye: at once when waiting for a command, after it otherwise."""
        ...


# reader, writer, and the client's address (the peer's, or the one its proxy names)
SessionFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter, str], Serving]


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
        proxies: TrustedProxies | None = None,
    ) -> None:
        self._protocol = protocol
        self._listen = listen
        self._mode = mode
        self._new_session = new_session
        self._line_limit = line_limit
        self._acceptor = Acceptor(
            listen,
            self._stream_protocol,
            tls=tls,  # implicit TLS when given
            proxies=proxies,
            name=f"{protocol} {listen}",
        )
        self._started = False
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
        return self._acceptor.port

    async def start(self) -> None:
        await self._acceptor.start()
        self._started = True

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        await self._acceptor.stop()
        for session in list(self._sessions.values()):
            session.stop()
        tasks = list(self._sessions)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=STOP_GRACE)

    def describe(self) -> str:
        return f"{self._protocol}  {self._listen} ({self._mode})"

    def _stream_protocol(self, client: str) -> asyncio.BaseProtocol:
        reader = asyncio.StreamReader(limit=self._line_limit)

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve(reader, writer, client)

        return asyncio.StreamReaderProtocol(reader, serve)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: str
    ) -> None:
        if not self._started:  # accepted as the listener stopped
            writer.close()
            return
        session = self._new_session(reader, writer, client)
        task = asyncio.current_task()
        assert task is not None
        self._sessions[task] = session
        try:
            await session.run()
        except Exception:
            log.exception("%s session failed", self._protocol)
        finally:
            self._sessions.pop(task, None)
