"""POP3 listeners: STLS on `pop3_listen`, implicit TLS on `pop3s_listen` (RFC 8314)."""

from __future__ import annotations

import asyncio
import logging

from services.gateway.frontends import FrontEnd
from services.gateway.pop3.connection import HANDSHAKE_TIMEOUT, MAX_LINE, Connection
from services.gateway.pop3.maildrop import MaildropLocks
from services.gateway.pop3.session import Session
from shared.settings import parse_listen

log = logging.getLogger("bureau.gateway.pop3")

IDLE_TIMEOUT = 600.0  # RFC 1939 §3: an autologout timer of at least 10 minutes
STOP_GRACE = 5.0  # seconds a session busy with a command gets to finish when stopping


class Pop3Listener:
    def __init__(
        self, front: FrontEnd, listen: str, *, implicit_tls: bool, locks: MaildropLocks
    ) -> None:
        self._front = front
        self._listen = listen
        self._implicit_tls = implicit_tls
        self._locks = locks
        self._server: asyncio.Server | None = None
        self._sessions: dict[Session, asyncio.Task[None]] = {}

    async def start(self) -> None:
        host, port = parse_listen(self._listen)
        self._server = await asyncio.start_server(
            self._serve,
            host,
            port,
            ssl=self._front.tls if self._implicit_tls else None,
            ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self._implicit_tls else None,
            limit=MAX_LINE,
        )

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for session in list(self._sessions):
            session.shutdown()
        tasks = list(self._sessions.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    def describe(self) -> str:
        return f"POP3  {self._listen} ({'TLS' if self._implicit_tls else 'STLS'})"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(
            reader, writer, secure=self._implicit_tls, idle_timeout=IDLE_TIMEOUT
        )
        session = Session(self._front, connection, self._locks)
        task = asyncio.current_task()
        assert task is not None
        self._sessions[session] = task
        try:
            await session.run()
        except Exception:
            log.exception("POP3 session from %s failed", connection.peer)
        finally:
            del self._sessions[session]
