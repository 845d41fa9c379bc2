"""One client connection: bounded lines in, responses out, timeouts, the STLS upgrade."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl

MAX_LINE = 8192  # octets; RFC 2449 caps commands at 255, AUTH continuations need more
HANDSHAKE_TIMEOUT = 30.0  # seconds for a TLS handshake
CLOSE_TIMEOUT = 5.0  # seconds for the TLS shutdown when closing
WRITE_CHUNK = 65536  # octets written before waiting for the client to take them


class Closed(Exception):
    """The client went away (or the connection failed)."""


class IdleTimeout(Closed):
    """The client said nothing (or read nothing) for too long."""


class PlaintextInjection(Closed):
    """The client sent more after STLS before the handshake: RFC 2595 §3.1 wants it
    discarded, and a client that does this is not one to keep talking to."""


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class Connection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        secure: bool,
        idle_timeout: float,
        peer: str | None = None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._idle_timeout = idle_timeout
        self.secure = secure
        # The client's address: the one a trusted proxy named, else the peer's.
        if peer is None:
            peername = writer.get_extra_info("peername")
            peer = str(peername[0]) if isinstance(peername, tuple) and peername else "unknown"
        self.peer = peer
        self.loopback = is_loopback(self.peer)

    async def read_line(self) -> str | None:
        """The next line without its line end (UTF-8, undecodable octets replaced), or
        None if it was longer than `MAX_LINE` (then it is skipped). Raises `IdleTimeout`
        after the idle timeout and `Closed` at the end of the stream."""
        try:
            async with asyncio.timeout(self._idle_timeout):
                try:
                    line = await self._reader.readuntil(b"\n")
                except asyncio.LimitOverrunError as too_long:
                    await self._skip_line(too_long.consumed)
                    return None
        except TimeoutError as e:
            raise IdleTimeout from e
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError) as e:
            raise Closed from e
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    async def _skip_line(self, consumed: int) -> None:
        while True:
            await self._reader.readexactly(consumed)
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as again:
                consumed = again.consumed

    async def send(self, *parts: bytes) -> None:
        """Write and wait until the client takes it: `IdleTimeout` if it takes nothing
        for the idle timeout (a slow client reading a large message is not cut off)."""
        try:
            for part in parts:
                view = memoryview(part)
                for start in range(0, len(view), WRITE_CHUNK):
                    self._writer.write(view[start : start + WRITE_CHUNK])
                    async with asyncio.timeout(self._idle_timeout):
                        await self._writer.drain()
        except TimeoutError as e:
            raise IdleTimeout from e
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise Closed from e

    async def start_tls(self, context: ssl.SSLContext) -> None:
        """Upgrade to TLS once the client has read our go-ahead (call after `send`)."""
        # Nothing but the handshake may follow STLS: commands the client pipelined in
        # plaintext would otherwise be read as if they came over TLS. No await separates
        # this check from the transport pausing its reads in `start_tls`.
        if getattr(self._reader, "_buffer", b""):
            raise PlaintextInjection
        try:
            await self._writer.start_tls(context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        except (ConnectionError, ssl.SSLError, OSError, TimeoutError) as e:
            raise Closed from e
        self.secure = True

    def write_nowait(self, data: bytes) -> None:
        """Write without waiting for the client (a last word before closing)."""
        if not self._writer.is_closing():
            self._writer.write(data)

    def close(self) -> None:
        if not self._writer.is_closing():
            self._writer.close()

    async def closed(self) -> None:
        """Close and wait until the transport is gone; a peer that does not finish the
        TLS shutdown soon (or a cancelled session) is cut off."""
        self.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._writer.wait_closed()
        except (TimeoutError, ConnectionError, ssl.SSLError, OSError):
            self._writer.transport.abort()
        except asyncio.CancelledError:
            self._writer.transport.abort()
            raise
