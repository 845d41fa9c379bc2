"""What a session writes: untagged, tagged and continuation responses (RFC 3501 §7), and
the errors a command raises to end with a tagged NO or BAD."""

from __future__ import annotations

import asyncio

from services.gateway.imap import wire

# Buffered output is flushed past this many octets, so that a long FETCH streams.
_HIGH_WATER = 256 * 1024


class No(Exception):
    """End the command with `tag NO [code] text`."""

    def __init__(self, text: str, code: str | None = None) -> None:
        super().__init__(text)
        self.text = f"[{code}] {text}" if code else text


class Bad(Exception):
    """End the command with `tag BAD text`."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Output:
    """The client's side of the connection: responses are buffered and written out as
    they pile up, and at the end of every command."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._buffer = bytearray()

    def raw(self, data: bytes) -> None:
        self._buffer += data

    def untagged(self, text: str | bytes) -> None:
        self._buffer += b"* " + (_line(text) if isinstance(text, str) else text) + b"\r\n"

    def tagged(self, tag: str, text: str) -> None:
        self._buffer += _line(f"{tag} {text}") + b"\r\n"

    def continuation(self, text: str = "") -> None:
        self._buffer += _line(f"+ {text}") + b"\r\n"

    async def maybe_flush(self) -> None:
        """Write out what is buffered if it is a lot (while a response is being made)."""
        if len(self._buffer) >= _HIGH_WATER:
            await self.flush()

    async def flush(self) -> None:
        if self._buffer:
            self.writer.write(bytes(self._buffer))
            self._buffer.clear()
        await self.writer.drain()


def _line(text: str) -> bytes:
    """A response line's text: what a client sent may come back in it (a mailbox name in
    an error), so no line end splits it and bytes that were not UTF-8 go as U+FFFD."""
    return text.replace("\r", " ").replace("\n", " ").encode("utf-8", "replace")


def mailbox_name(name: str, *, utf8: bool) -> bytes:
    """A mailbox name as written in responses: UTF-8 once the client enabled IMAP4rev2,
    modified UTF-7 before (RFC 3501 §5.1.3)."""
    if not utf8 or name.isascii():
        return wire.astring(name if utf8 else wire.utf7_encode(name))
    # RFC 9051 §4.3: a quoted string may hold UTF-8 (names never hold CR or LF).
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'.encode()
