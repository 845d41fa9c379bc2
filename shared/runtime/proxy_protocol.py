"""The PROXY protocol header (HAProxy's, versions 1 and 2) a trusted proxy sends ahead
of a TCP connection it forwards, naming the client.

The header is read straight from the socket, never past its last octet: what follows
may be a TLS ClientHello (implicit TLS behind a TCP proxy), which the TLS layer must
see whole. Parsing is aiosmtpd's (`aiosmtpd.proxy_protocol`), which submission already
runs on; only the reading is ours.
"""

from __future__ import annotations

import asyncio
import socket

from aiosmtpd.proxy_protocol import AF, V2_CMD, ProxyData, get_proxy

HEADER_TIMEOUT = 10.0  # seconds a trusted proxy has to send the header
_V1_MAX = 107  # octets of a version 1 header, CRLF included


class ProxyHeaderError(Exception):
    """No valid PROXY header where one was required."""


class _SocketReader:
    """aiosmtpd's `AsyncReader` over a non-blocking socket, reading only what is asked
    (line reads octet by octet: a header is one short line, read once per connection)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._loop = asyncio.get_running_loop()

    async def read(self, n: int = -1) -> bytes:
        return await self._loop.sock_recv(self._sock, max(1, n))

    async def readexactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = await self._loop.sock_recv(self._sock, n - len(data))
            if not chunk:
                raise ConnectionError("connection closed in the PROXY header")
            data += chunk
        return data

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        data = b""
        while not data.endswith(separator):
            if len(data) > _V1_MAX:
                raise ValueError("PROXY header line too long")
            data += await self.readexactly(1)
        return data


async def read_client(sock: socket.socket, peer: str, timeout: float = HEADER_TIMEOUT) -> str:
    """The client address the header on `sock` names (the proxy's own, `peer`, for a
    health check: v2 LOCAL, v1 UNKNOWN, or a UNIX socket). `ProxyHeaderError` if the
    header is missing, malformed or late."""
    try:
        async with asyncio.timeout(timeout):
            data: ProxyData = await get_proxy(_SocketReader(sock))
    except (TimeoutError, ConnectionError, OSError, ValueError) as exc:
        raise ProxyHeaderError(str(exc) or type(exc).__name__) from None
    if not data.valid:
        raise ProxyHeaderError(data.error or "malformed PROXY header")
    if data.version == 2 and data.command == V2_CMD.LOCAL:
        return peer
    if data.family not in (AF.INET, AF.INET6) or data.src_addr is None:
        return peer
    return str(data.src_addr)
