"""Reading IMAP commands off the wire (RFC 3501 §2.2, §4, §9; RFC 7888 LITERAL+).

A command is a tagged line whose arguments may include literals: a line ending in `{n}`
(synchronising: the server answers `+ Ready` first) or `{n+}` (non-synchronising) is
followed by n octets, then the rest of the command on the next line. `CommandReader`
reads a whole command that way, within limits, and `tokenize` turns its arguments into
the tokens of `tokens.py`.

Limits: parenthesised lists nest at most `MAX_NESTING` deep (deeper is answered BAD, like
any other syntax error); a line of text is at most `MAX_LINE` octets (longer ones are
discarded to their end and answered `BAD [TOOBIG]`); a literal at most `MAX_LITERAL`, or
`MAX_APPEND` for APPEND (a larger synchronising literal is refused before the client sends
it; a larger non-synchronising one is read and dropped, or the connection closed past
`MAX_DISCARD`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.gateway.imap.tokens import Atom, ImapSyntaxError, Token

MAX_NESTING = 32  # IMAP's deepest lists are a few levels (BODYSTRUCTURE, SEARCH groups)
MAX_LINE = 64 * 1024
MAX_LITERAL = 1024 * 1024
MAX_APPEND = 50 * 1024 * 1024
MAX_DISCARD = 1024 * 1024 * 1024
_CHUNK = 64 * 1024

_LITERAL_END = re.compile(rb"~?\{([0-9]{1,10})(\+?)\}$")
_HEAD = re.compile(rb"([^ \r\n]*)(?: ([^ \r\n]*))?")
_SPECIALS = b' ()"'
# Fetch attributes whose "[...]" section may hold spaces and parentheses.
_SECTIONED = {b"BODY", b"BODY.PEEK", b"BINARY", b"BINARY.PEEK", b"BINARY.SIZE"}


@dataclass(frozen=True)
class Command:
    tag: str
    name: str  # upper-cased: "FETCH", "UID"…
    args: list[Token]


class Refusal(Exception):
    """A command refused before it was read whole: answer it with `response` (tagged with
    `tag` when known, else untagged), then read the next one, or close if `fatal`."""

    def __init__(self, tag: str | None, response: str, *, fatal: bool = False) -> None:
        super().__init__(response)
        self.tag = tag
        self.response = response
        self.fatal = fatal


class Disconnected(Exception):
    """The client closed the connection (or it broke) in the middle of a command."""


# Decides whether a literal of `size` octets for a command may be read: None to go on, or
# the tagged response that refuses it (e.g. "NO [OVERQUOTA] …").
LiteralCheck = Callable[[str, int], Awaitable[str | None]]


class CommandReader:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        continuation: Callable[[], Awaitable[None]],
        check_literal: LiteralCheck | None = None,
    ) -> None:
        self._reader = reader
        self._continuation = continuation
        self._check_literal = check_literal
        self._buffer = bytearray()
        self.overflow = b""  # the start of the last line too long

    def discard_pending(self) -> int:
        """Forget what was read ahead (after STARTTLS: nothing sent in clear may count)."""
        dropped = len(self._buffer)
        self._buffer.clear()
        # Octets asyncio already read off the socket but nobody consumed yet.
        inner = getattr(self._reader, "_buffer", None)
        if isinstance(inner, bytearray):
            dropped += len(inner)
            inner.clear()
        return dropped

    async def _fill(self) -> None:
        try:
            chunk = await self._reader.read(_CHUNK)
        except (ConnectionError, OSError) as exc:
            raise Disconnected from exc
        if not chunk:
            raise Disconnected
        self._buffer += chunk

    async def read_line(self, limit: int = MAX_LINE) -> bytes | None:
        """One line without its CRLF (a bare LF is accepted); None if it was longer than
        `limit` (then discarded up to its end, its start kept in `overflow`). Raises
        `Disconnected`."""
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end > limit + 1 or (end < 0 and len(self._buffer) > limit + 1):
                self.overflow = bytes(self._buffer[:256])
                await self._discard_line()
                return None
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            start = len(self._buffer)
            await self._fill()

    async def _discard_line(self) -> None:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                del self._buffer[: end + 1]
                return
            self._buffer.clear()
            await self._fill()

    async def read_exact(self, size: int) -> bytes:
        while len(self._buffer) < size:
            await self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    async def _skip(self, size: int) -> None:
        while size > 0:
            if not self._buffer:
                await self._fill()
            taken = min(size, len(self._buffer))
            del self._buffer[:taken]
            size -= taken

    async def read_command(self) -> Command | None:
        """The next command, None for an empty line. Raises `Refusal` (a command too big or
        malformed, answered as it says), `Disconnected`."""
        first = await self.read_line()
        if first is None:
            raise Refusal(_head(self.overflow)[0] or None, "BAD [TOOBIG] Command line too long")
        if not first.strip():
            return None
        tag, name = _head(first)
        chunks, literals = [first], []
        budget = MAX_APPEND if name == "APPEND" else MAX_LITERAL
        total = len(first)
        while (marker := _LITERAL_END.search(chunks[-1])) is not None:
            size, synchronising = int(marker.group(1)), not marker.group(2)
            refusal = await self._literal_refusal(tag, name, size, budget)
            if refusal is not None:
                if synchronising:
                    raise Refusal(tag, refusal)
                if size > MAX_DISCARD:
                    raise Refusal(None, "BYE [TOOBIG] Literal too large", fatal=True)
                await self._skip(size)
                await self._discard_line()
                raise Refusal(tag, refusal)
            if synchronising:
                await self._continuation()
            literals.append(await self.read_exact(size))
            budget -= size
            line = await self.read_line()
            total += len(line or b"")
            if line is None or total > MAX_LINE:
                raise Refusal(tag, "BAD [TOOBIG] Command line too long")
            chunks.append(line)
        try:
            tokens = tokenize(chunks, literals)
        except ImapSyntaxError as exc:
            raise Refusal(tag or None, f"BAD {exc}") from None
        if len(tokens) < 2 or not isinstance(tokens[0], Atom) or not isinstance(tokens[1], Atom):
            raise Refusal(tag or None, "BAD Missing command")
        if not _valid_tag(tokens[0].value):
            raise Refusal(None, "BAD Invalid tag")
        return Command(tokens[0].value, tokens[1].upper(), tokens[2:])

    async def _literal_refusal(self, tag: str, name: str, size: int, budget: int) -> str | None:
        if size > budget:
            return (
                "NO [TOOBIG] Literal too large"
                if name == "APPEND"
                else "BAD [TOOBIG] Literal too large"
            )
        if self._check_literal is not None:
            return await self._check_literal(name, size)
        return None


def _head(line: bytes) -> tuple[str, str]:
    """The tag and the command name of a command's first line, as far as they go."""
    match = _HEAD.match(line)
    assert match is not None
    tag = match.group(1).decode("ascii", "replace")
    name = (match.group(2) or b"").decode("ascii", "replace").upper()
    return (tag if _valid_tag(tag) else ""), name


def _valid_tag(tag: str) -> bool:
    return (
        bool(tag)
        and tag.isascii()
        and tag.isprintable()
        and not any(c in tag for c in '+(){%*"\\ ')
    )


# --- Tokens ------------------------------------------------------------------------------


class _Source:
    """The text of a command, line after line, with the literal that ends each line but
    the last."""

    def __init__(self, chunks: list[bytes], literals: list[bytes]) -> None:
        self.chunks = chunks
        self.literals = literals
        self.index = 0
        self.pos = 0
        self.depth = 0  # lists open at the current octet

    @property
    def text(self) -> bytes:
        return self.chunks[self.index]

    def peek(self) -> int | None:
        """The next octet of the current line, None at its end."""
        return self.text[self.pos] if self.pos < len(self.text) else None

    def at_end(self) -> bool:
        return self.index == len(self.chunks) - 1 and self.pos >= len(self.text)


def tokenize(chunks: list[bytes], literals: list[bytes]) -> list[Token]:
    """The tokens of a command: `chunks` are its lines, each but the last ending with the
    marker of the literal that follows it (`literals`, in order)."""
    source = _Source(chunks, literals)
    tokens = _sequence(source, nested=False)
    if not source.at_end():
        raise ImapSyntaxError("unexpected ')'")
    return tokens


def _sequence(source: _Source, *, nested: bool) -> list[Token]:
    out: list[Token] = []
    while True:
        octet = source.peek()
        if octet is None:
            if source.index == len(source.chunks) - 1:
                if nested:
                    raise ImapSyntaxError("missing ')'")
                return out
            raise ImapSyntaxError("misplaced literal")  # cannot happen: lines end in one
        if octet == ord(" "):
            source.pos += 1
            continue
        if octet == ord(")"):
            if not nested:
                return out
            source.pos += 1
            return out
        out.append(_token(source))
        after = source.peek()
        if after is not None and after not in b" )":
            raise ImapSyntaxError("missing space between arguments")


def _token(source: _Source) -> Token:
    octet = source.peek()
    if octet == ord("("):
        if source.depth == MAX_NESTING:
            raise ImapSyntaxError(f"lists nest at most {MAX_NESTING} deep")
        source.pos += 1
        source.depth += 1
        inner = _sequence(source, nested=True)
        source.depth -= 1
        return inner
    if octet == ord('"'):
        return _quoted(source)
    text = source.text
    if octet == ord("{") or (octet == ord("~") and text[source.pos + 1 : source.pos + 2] == b"{"):
        match = _LITERAL_END.match(text, source.pos)
        if match is None or match.end() != len(text) or source.index >= len(source.literals):
            raise ImapSyntaxError("invalid literal")
        data = source.literals[source.index]
        source.index += 1
        source.pos = 0
        return data
    return _atom(source)


def _quoted(source: _Source) -> bytes:
    text, pos = source.text, source.pos + 1
    out = bytearray()
    while pos < len(text):
        octet = text[pos]
        if octet == ord('"'):
            source.pos = pos + 1
            return bytes(out)
        if octet == ord("\\"):
            if pos + 1 >= len(text) or text[pos + 1] not in b'"\\':
                raise ImapSyntaxError("invalid escape in a quoted string")
            octet = text[pos + 1]
            pos += 1
        out.append(octet)
        pos += 1
    raise ImapSyntaxError("unterminated quoted string")


def _atom(source: _Source) -> Atom:
    """An atom; `[...]` inside one (a fetch attribute's section) may hold spaces,
    parentheses and quoted strings, and a `<...>` partial may follow it."""
    text, start = source.text, source.pos
    pos, depth = start, 0
    while pos < len(text):
        octet = text[pos]
        if octet == ord("[") and (depth or text[start:pos].upper() in _SECTIONED):
            depth += 1
        elif octet == ord("]") and depth:
            depth -= 1
        elif depth and octet == ord('"'):
            close = text.find(b'"', pos + 1)
            pos = close if close > 0 else len(text)
        elif not depth and octet in _SPECIALS:
            break
        elif octet < 0x20 or octet == 0x7F:
            raise ImapSyntaxError("control character in an atom")
        pos += 1
    if depth:
        raise ImapSyntaxError("missing ']'")
    if pos == start:
        raise ImapSyntaxError("unexpected character")
    source.pos = pos
    return Atom(text[start:pos].decode("utf-8", "surrogateescape"))
