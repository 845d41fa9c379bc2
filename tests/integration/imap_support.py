"""The IMAP tests' fixtures: one stack per test module (every service in-process on a real
nats-server, SQLite, blobs on disk) with IMAP on free ports, accounts made through the
store, and a scripted raw IMAP client over asyncio streams.

A module uses them with:

    from tests.integration.imap_support import imap_stack_fixture  # noqa: F401
    pytestmark = pytest.mark.asyncio(loop_scope="module")

and may set `IMAP_ENV = {...}` (environment variables for its stack).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bureau.nats_server import EmbeddedNats
from bureau.process import free_port
from services.gateway.changes import ChangeFeed
from services.gateway.frontends import FrontEnd
from services.gateway.imap.server import imap_listener
from services.gateway.listening import SessionListener
from services.gateway.settings import GatewaySettings
from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import Account
from shared.runtime.login import PasswordLogin
from shared.runtime.passwords import hash_password_async
from shared.runtime.tls import server_context
from tests.conftest import Stack, services_running, stack_env

PASSWORD = "correct horse battery"


@dataclass
class ImapStack:
    stack: Stack
    imap_port: int
    imaps_port: int
    store: SqliteMailboxStore
    _accounts: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.stack.data_dir

    @property
    def cert(self) -> Path:
        """The self-signed certificate the gateway made for TLS."""
        return self.stack.data_dir / "tls" / "cert.pem"

    async def account(self, name: str = "user") -> Account:
        """A new account of its own (tests share the stack, not the mailboxes)."""
        address = f"{name}-{uuid.uuid4().hex[:8]}@example.test"
        return await self.store.create_account(address, await hash_password_async(PASSWORD))

    async def connect(self, *, tls: bool = False, implicit: bool = False) -> Conversation:
        port = self.imaps_port if implicit else self.imap_port
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_context() if implicit else None
        )
        conversation = Conversation(reader, writer)
        await conversation.greeting()
        if tls:
            await conversation.starttls()
        return conversation

    async def login(self, account: Account, **kwargs: Any) -> Conversation:
        conversation = await self.connect(**kwargs)
        await conversation.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
        return conversation


@contextlib.asynccontextmanager
async def own_listener(
    imap: ImapStack, *, implicit_tls: bool = False, plaintext_on_loopback: bool = True
) -> AsyncIterator[SessionListener]:
    """A listener of its own on the stack's data (for what the stack's listeners cannot
    show: a client that is not on loopback, stopping the server)."""
    settings = GatewaySettings()
    index = await Fts5Index.open(settings.data_dir / "index.sqlite3")
    front = FrontEnd(
        settings=settings,
        mailbox=imap.store,
        blobs=FsBlobStore(settings.data_dir / "blobs"),
        index=index,
        login=PasswordLogin(imap.store),
        tls=server_context(settings, settings.mail_hostname),
        changes=ChangeFeed(),
    )
    listener = imap_listener(
        front,
        f"127.0.0.1:{free_port()}",
        implicit_tls=implicit_tls,
        plaintext_on_loopback=plaintext_on_loopback,
    )
    await listener.start()
    try:
        yield listener
    finally:
        await listener.stop()
        await index.close()


async def converse(port: int) -> Conversation:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    conversation = Conversation(reader, writer)
    await conversation.greeting()
    return conversation


def client_context() -> ssl.SSLContext:
    """The tests' TLS client: the gateway's certificate is self-signed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@pytest_asyncio.fixture(scope="module", loop_scope="module", name="imap_stack")
async def imap_stack_fixture(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[ImapStack]:
    base = tmp_path_factory.mktemp("imap")
    imap_port, imaps_port = free_port(), free_port()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BUREAU_IMAP_LISTEN", f"127.0.0.1:{imap_port}")
        env.setenv("BUREAU_IMAPS_LISTEN", f"127.0.0.1:{imaps_port}")
        for name in ("POP3", "POP3S", "SUBMISSION", "SUBMISSIONS"):
            env.setenv(f"BUREAU_{name}_LISTEN", f"127.0.0.1:{free_port()}")
        for key, value in getattr(request.module, "IMAP_ENV", {}).items():
            env.setenv(key, value)
        data_dir = base / "var"
        smtp_port, http_port = stack_env(env, data_dir)
        nats = EmbeddedNats(base / "nats")
        await nats.start()
        try:
            async with services_running(nats.url):
                store = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")
                try:
                    yield ImapStack(
                        Stack(data_dir, nats.url, smtp_port, http_port),
                        imap_port,
                        imaps_port,
                        store,
                    )
                finally:
                    await store.close()
        finally:
            await nats.stop()


@contextlib.asynccontextmanager
async def http_as(imap: ImapStack, account: Account) -> AsyncIterator[aiohttp.ClientSession]:
    """The HTTP API, signed in as the account."""
    async with aiohttp.ClientSession(imap.stack.http) as anonymous:
        resp = await anonymous.post(
            "/api/v1/session", json={"address": account.address, "password": PASSWORD}
        )
        assert resp.status == 200, await resp.text()
        token = (await resp.json())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(imap.stack.http, headers=headers) as session:
        yield session


# --- a scripted IMAP client --------------------------------------------------------------

_LITERAL = re.compile(rb"\{(\d+)\}$")


@dataclass
class Reply:
    """What a command got back: untagged responses (literals inlined), the tagged line."""

    untagged: list[bytes]
    status: bytes  # "OK …", "NO …", "BAD …" without the tag

    @property
    def ok(self) -> bool:
        return self.status.startswith(b"OK")

    def lines(self, prefix: str) -> list[bytes]:
        """Untagged responses starting with `prefix` (after "* ")."""
        return [line for line in self.untagged if line.startswith(prefix.encode())]

    def text(self) -> str:
        return b"\n".join([*self.untagged, self.status]).decode("utf-8", "replace")


class Conversation:
    """A raw IMAP client: each command gets its own tag; responses are read as lines with
    their literals."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._tags = 0
        self.greeted = b""

    async def greeting(self) -> bytes:
        line = await self.line()
        assert line.startswith(b"* OK"), line
        self.greeted = line
        return line

    def next_tag(self) -> str:
        self._tags += 1
        return f"t{self._tags}"

    async def line(self, timeout: float = 10.0) -> bytes:
        """One response line, literals included in place, without the final CRLF."""
        out = b""
        while True:
            part = await asyncio.wait_for(self.reader.readline(), timeout)
            if not part:
                raise ConnectionError(f"connection closed after {out!r}")
            part = part.rstrip(b"\r\n")
            out += part
            literal = _LITERAL.search(part)
            if literal is None:
                return out
            out += await asyncio.wait_for(self.reader.readexactly(int(literal.group(1))), timeout)

    async def send(self, data: bytes | str) -> None:
        self.writer.write(data.encode() if isinstance(data, str) else data)
        await self.writer.drain()

    async def reply(self, tag: str, timeout: float = 10.0) -> Reply:
        untagged: list[bytes] = []
        while True:
            line = await self.line(timeout)
            if line.startswith(tag.encode() + b" "):
                return Reply(untagged, line[len(tag) + 1 :])
            untagged.append(line[2:] if line.startswith(b"* ") else line)

    async def cmd(self, text: str | bytes, timeout: float = 10.0) -> Reply:
        tag = self.next_tag()
        data = text.encode() if isinstance(text, str) else text
        await self.send(tag.encode() + b" " + data + b"\r\n")
        return await self.reply(tag, timeout)

    async def ok(self, text: str | bytes, timeout: float = 10.0) -> Reply:
        reply = await self.cmd(text, timeout)
        assert reply.ok, reply.text()
        return reply

    async def starttls(self) -> None:
        await self.ok("STARTTLS")
        await self.writer.start_tls(client_context())

    async def append(
        self, mailbox: str, raw: bytes, flags: str = "", date: str = "", *, plus: bool = True
    ) -> Reply:
        """APPEND with a literal (LITERAL+ unless `plus` is False)."""
        tag = self.next_tag()
        head = f'{tag} APPEND "{mailbox}"' + (f" ({flags})" if flags else "")
        head += f' "{date}"' if date else ""
        marker = f"{{{len(raw)}+}}" if plus else f"{{{len(raw)}}}"
        await self.send(f"{head} {marker}\r\n")
        if not plus:
            ready = await self.line()
            if ready.startswith(tag.encode() + b" "):
                return Reply([], ready[len(tag) + 1 :])  # refused before the literal
            assert ready.startswith(b"+"), ready
        await self.send(raw + b"\r\n")
        return await self.reply(tag)

    async def idle(self) -> str:
        """Start IDLE; returns the tag to end it with `done`."""
        tag = self.next_tag()
        await self.send(f"{tag} IDLE\r\n")
        assert (await self.line()).startswith(b"+ "), "no IDLE continuation"
        return tag

    async def wait_for(self, pattern: bytes, timeout: float = 5.0) -> list[bytes]:
        """Untagged lines read until one matching `pattern` (a regex), that one last."""
        seen: list[bytes] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in time; got {seen!r}")
            try:
                line = await self.line(left)
            except TimeoutError:
                continue
            seen.append(line)
            if re.search(pattern, line):
                return seen

    async def done(self, tag: str) -> Reply:
        await self.send(b"DONE\r\n")
        return await self.reply(tag)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 5)


def uids_of(reply: Reply) -> list[int]:
    """The UIDs of the FETCH responses of a reply, in order."""
    return [
        int(m.group(1))
        for line in reply.lines("")
        for m in [re.search(rb"UID (\d+)", line)]
        if m and b" FETCH " in line
    ]


def search_result(reply: Reply) -> list[int]:
    (line,) = reply.lines("SEARCH")
    return [int(n) for n in line.split()[1:]]
