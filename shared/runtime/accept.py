"""A TCP listener that knows who the client is before the protocol starts: connections
from a trusted proxy (`BUREAU_TRUSTED_PROXIES`) must begin with a PROXY protocol header,
which names the client; any other connection is its own client and is never asked for
one (a PROXY line from it is just a bad command to the protocol).

The header comes before TLS, so accepting is done here rather than by
`loop.create_server`: the socket is read up to the end of the header, then handed to
the event loop with TLS when the listener is implicit TLS, to a protocol made for that
client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Coroutine
from typing import Any

from shared.runtime.clients import TrustedProxies
from shared.runtime.proxy_protocol import ProxyHeaderError, read_client
from shared.settings import parse_listen

log = logging.getLogger(__name__)

BACKLOG = 128
HANDSHAKE_TIMEOUT = 30.0  # seconds for the TLS handshake of an implicit TLS connection
ProtocolFactory = Callable[[str], asyncio.BaseProtocol]  # the client address → a protocol


class Acceptor:
    def __init__(
        self,
        listen: str,
        protocol: ProtocolFactory,
        *,
        tls: ssl.SSLContext | None = None,
        proxies: TrustedProxies | None = None,
        name: str = "",
    ) -> None:
        self._listen = listen
        self._protocol = protocol
        self._tls = tls
        self._proxies = proxies or TrustedProxies()
        self._name = name or listen
        self._sockets: list[socket.socket] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose when configured as 0)."""
        return int(self._sockets[0].getsockname()[1])

    async def start(self) -> None:
        host, port = parse_listen(self._listen)
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        try:
            for family, kind, proto, _, address in dict.fromkeys(infos):
                sock = socket.socket(family, kind, proto)
                self._sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                if port == 0 and len(self._sockets) > 1:  # on the port the first one got
                    address = (address[0], self.port, *address[2:])
                sock.bind(address)
                sock.listen(BACKLOG)
                sock.setblocking(False)
        except BaseException:
            self._close_sockets()
            raise
        for sock in self._sockets:
            self._spawn(self._accept(sock))

    async def stop(self) -> None:
        """Stop accepting; connections already handed to their protocol are theirs."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, listening: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, address = await loop.sock_accept(listening)
            except OSError as exc:  # out of descriptors and the like: wait, go on
                if listening.fileno() == -1:
                    return
                log.warning("%s: accepting failed: %s", self._name, exc)
                await asyncio.sleep(0.5)
                continue
            self._spawn(self._connected(conn, str(address[0])))

    async def _connected(self, conn: socket.socket, peer: str) -> None:
        loop = asyncio.get_running_loop()
        client = peer
        try:
            if self._proxies.trusts(peer):
                client = await read_client(conn, peer)
            await loop.connect_accepted_socket(
                lambda: self._protocol(client),
                conn,
                ssl=self._tls,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self._tls else None,
            )
        except ProxyHeaderError as exc:
            log.warning(
                "%s: connection from trusted proxy %s closed: no valid PROXY header (%s)",
                self._name,
                peer,
                exc,
            )
            conn.close()
        except (OSError, ssl.SSLError, TimeoutError) as exc:  # a failed TLS handshake
            log.debug("%s: connection from %s failed: %s", self._name, client, exc)
            with contextlib.suppress(OSError):
                conn.close()
