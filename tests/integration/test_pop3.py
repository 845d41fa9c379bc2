"""POP3 through the real services: poplib over STLS and implicit TLS, the raw protocol
for what clients never send, and real client programs (fetchmail, getmail)."""

from __future__ import annotations

import asyncio
import base64
import functools
import getpass
import ipaddress
import os
import poplib
import shutil
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from bureau.process import free_port
from services.gateway.changes import ChangeFeed
from services.gateway.frontends import FrontEnd, Listener
from services.gateway.pop3 import listeners as pop3_listeners
from services.gateway.pop3 import server, session
from services.gateway.settings import GatewaySettings
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import FolderRole, Selection
from shared.runtime.login import PasswordLogin
from shared.runtime.passwords import hash_password
from shared.runtime.tls import server_context
from tests.conftest import Stack
from tests.factories import make_raw, new_message
from tests.integration.test_pipeline import eventually, send

T = TypeVar("T")

ALICE, BOB, PASSWORD = "alice@example.test", "bob@example.test", "correct horse"
MAX_FAILURES = 3


@dataclass
class Pop3:
    stack: Stack
    store: SqliteMailboxStore
    host: str
    port: int  # STLS
    tls_port: int

    @property
    def cert(self) -> Path:
        return self.stack.data_dir / "tls" / "cert.pem"

    async def folder_ids(self, address: str, role: FolderRole) -> list[str]:
        """Ids of a folder's messages, oldest first."""
        account = await self.store.account_by_address(address)
        assert account is not None
        folder = await self.store.folder_by_role(account.id, role)
        return [e.id for e in await self.store.folder_uids(account.id, folder.id)]

    async def deliver(self, *raws: bytes, to: str = ALICE) -> list[str]:
        """Send each message over SMTP and wait for it in the Inbox; the Inbox's ids."""
        for raw in raws:
            before = len(await self.folder_ids(to, FolderRole.INBOX))
            assert await asyncio.to_thread(send, self.stack.smtp_port, raw, [to]) == {}

            async def arrived(before: int = before) -> bool:
                return len(await self.folder_ids(to, FolderRole.INBOX)) > before

            await eventually(arrived)
        return await self.folder_ids(to, FolderRole.INBOX)

    async def blob(self, address: str, message_id: str) -> bytes:
        account = await self.store.account_by_address(address)
        assert account is not None
        message = await self.store.message(account.id, message_id)
        return await FsBlobStore(self.stack.data_dir / "blobs").get(message.blob_id)


def _listen_env(monkeypatch: pytest.MonkeyPatch, host: str) -> tuple[int, int]:
    """Free ports for every mail listener of the gateway (set before the stack starts)."""
    port, tls_port = free_port(), free_port()
    monkeypatch.setenv("BUREAU_POP3_LISTEN", f"{host}:{port}")
    monkeypatch.setenv("BUREAU_POP3S_LISTEN", f"127.0.0.1:{tls_port}")
    monkeypatch.setenv("BUREAU_IMAP_LISTEN", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("BUREAU_IMAPS_LISTEN", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("BUREAU_LOGIN_MAX_FAILURES", str(MAX_FAILURES))
    return port, tls_port


@pytest.fixture
def pop3_env(monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    return "127.0.0.1", *_listen_env(monkeypatch, "127.0.0.1")


def _public_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only picks a route
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


@pytest.fixture
def public_pop3_env(monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    address = _public_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    return address, *_listen_env(monkeypatch, address)


async def _pop3(env: tuple[str, int, int], stack: Stack) -> AsyncIterator[Pop3]:
    store = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    for address in (ALICE, BOB):
        await store.create_account(address, hash_password(PASSWORD))
    host, port, tls_port = env
    yield Pop3(stack, store, host, port, tls_port)
    await store.close()


@pytest.fixture
async def pop3(pop3_env: tuple[str, int, int], stack: Stack) -> AsyncIterator[Pop3]:
    async for value in _pop3(pop3_env, stack):
        yield value


@pytest.fixture
async def public_pop3(public_pop3_env: tuple[str, int, int], stack: Stack) -> AsyncIterator[Pop3]:
    async for value in _pop3(public_pop3_env, stack):
        yield value


# --- clients ---------------------------------------------------------------------------
def client_context(cafile: Path | None = None) -> ssl.SSLContext:
    """Trusting the stack's self-signed certificate (`cafile`), or anything."""
    if cafile is not None:
        return ssl.create_default_context(cafile=str(cafile))
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def io(call: Callable[..., T], *args: Any) -> T:
    """A blocking poplib call, in a thread: the server runs on this event loop."""
    return await asyncio.to_thread(call, *args)


async def stls_client(pop3: Pop3) -> poplib.POP3:
    client = await io(poplib.POP3, pop3.host, pop3.port, 10)
    await io(functools.partial(client.stls, context=client_context(pop3.cert)))
    return client


async def tls_client(pop3: Pop3) -> poplib.POP3_SSL:
    return await io(
        functools.partial(
            poplib.POP3_SSL, "127.0.0.1", pop3.tls_port, timeout=10, context=client_context()
        )
    )


async def logged_in(pop3: Pop3, address: str = ALICE) -> poplib.POP3:
    client = await stls_client(pop3)
    await io(client.user, address)
    assert (await io(client.pass_, PASSWORD)).startswith(b"+OK Logged in")
    return client


async def refused(call: Callable[..., Any], *args: Any) -> bytes:
    """The -ERR line a poplib call fails with."""
    with pytest.raises(poplib.error_proto) as failure:
        await io(call, *args)
    reply = failure.value.args[0]
    assert isinstance(reply, bytes)
    return reply


class Raw:
    """The protocol by hand, for what poplib never sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(
        cls, port: int, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> Raw:
        raw = cls(*await asyncio.open_connection(host, port, ssl=tls))
        assert (await raw.line()).startswith(b"+OK ")
        return raw

    async def line(self) -> bytes:
        return await asyncio.wait_for(self.reader.readline(), 10)

    async def command(self, line: str | bytes) -> bytes:
        self.writer.write((line.encode() if isinstance(line, str) else line) + b"\r\n")
        return await self.line()

    async def lines(self) -> list[bytes]:
        """The rest of a multi-line response, without its terminating line."""
        found = []
        while (line := await self.line()) != b".\r\n":
            assert line.endswith(b"\r\n")
            found.append(line[:-2])
        return found

    async def closed(self) -> bool:
        return await asyncio.wait_for(self.reader.read(), 10) == b""

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass


def plain(address: str, password: str, authzid: str = "") -> str:
    return base64.b64encode(f"{authzid}\0{address}\0{password}".encode()).decode()


def header_of(blob: bytes) -> bytes:
    return blob[: blob.index(b"\r\n\r\n") + 2]


# --- poplib -----------------------------------------------------------------------------
async def test_every_command_over_stls(pop3: Pop3) -> None:
    raws = [
        make_raw(subject="Dots", body=".leading dot\n..two dots\n.\nend\n"),
        make_raw(subject="Second"),
        make_raw(subject="Third", body="line one\nline two\nline three\n"),
    ]
    ids = await pop3.deliver(*raws)
    blobs = [await pop3.blob(ALICE, i) for i in ids]
    total = sum(len(b) for b in blobs)

    client = await io(poplib.POP3, pop3.host, pop3.port, 10)
    capabilities = await io(client.capa)
    assert {"TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS"} <= set(
        capabilities
    )
    assert capabilities["SASL"] == ["PLAIN"]
    assert capabilities["IMPLEMENTATION"] == ["Bureau"]
    await io(functools.partial(client.stls, context=client_context(pop3.cert)))  # verified
    assert "STLS" not in await io(client.capa)
    assert await refused(client.stat) == b"-ERR Command not valid in this state"

    assert (await io(client.user, ALICE)).startswith(b"+OK")
    assert (
        await io(client.pass_, PASSWORD) == f"+OK Logged in, 3 messages ({total} octets)".encode()
    )
    assert "STLS" not in await io(client.capa)
    assert await io(client.stat) == (3, total)
    _, listing, _ = await io(client.list)
    assert listing == [f"{n} {len(b)}".encode() for n, b in enumerate(blobs, 1)]
    assert await io(client.list, 2) == f"+OK 2 {len(blobs[1])}".encode()
    _, uids, _ = await io(client.uidl)
    assert uids == [f"{n} {i}".encode() for n, i in enumerate(ids, 1)]  # the store's ids
    assert await io(client.uidl, 3) == f"+OK 3 {ids[2]}".encode()

    for number, (raw, blob) in enumerate(zip(raws, blobs, strict=True), 1):
        reply, lines, _ = await io(client.retr, number)
        assert reply == f"+OK {len(blob)} octets".encode()
        assert b"\r\n".join(lines) + b"\r\n" == blob  # dots unstuffed by poplib
        assert blob.endswith(raw) and blob.startswith(b"Return-Path: <bob@example.net>\r\n")
    _, lines, _ = await io(client.top, 3, 0)
    assert b"\r\n".join(lines) + b"\r\n" == header_of(blobs[2]) + b"\r\n"
    _, lines, _ = await io(client.top, 3, 2)
    assert lines[-3:] == [b"", b"line one", b"line two"]
    _, lines, _ = await io(client.top, 1, 100)
    assert b"\r\n".join(lines) + b"\r\n" == blobs[0]
    assert await io(client.noop) == b"+OK"

    assert await io(client.dele, 1) == b"+OK Message 1 deleted"
    assert await io(client.stat) == (2, total - len(blobs[0]))
    _, listing, _ = await io(client.list)
    assert [line.split()[0] for line in listing] == [b"2", b"3"]
    calls: list[tuple[Callable[..., Any], tuple[int, ...]]] = [
        (client.list, (1,)),
        (client.uidl, (1,)),
        (client.retr, (1,)),
        (client.top, (1, 0)),
        (client.dele, (1,)),
        (client.retr, (4,)),
    ]
    for call, args in calls:
        assert await refused(call, *args) == b"-ERR No such message"
    assert await io(client.rset) == f"+OK Maildrop has 3 messages ({total} octets)".encode()
    assert await io(client.list, 1) == f"+OK 1 {len(blobs[0])}".encode()
    assert await io(client.quit) == b"+OK Bureau POP3 server signing off (0 messages deleted)"

    # Retrieved (RETR, not TOP) messages are read now; all stay in the Inbox.
    account = await pop3.store.account_by_address(ALICE)
    assert account is not None
    assert [(await pop3.store.message(account.id, i)).unread for i in ids] == [False] * 3
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == ids


async def test_implicit_tls_port_and_auth_plain(pop3: Pop3) -> None:
    (message_id,) = await pop3.deliver(make_raw(subject="Over TLS"))
    size = len(await pop3.blob(ALICE, message_id))

    client = await tls_client(pop3)
    capabilities = await io(client.capa)
    assert "STLS" not in capabilities and "USER" in capabilities
    await io(client.user, ALICE)
    await io(client.pass_, PASSWORD)
    assert await io(client.stat) == (1, size)
    await io(client.quit)

    raw = await Raw.open(pop3.tls_port, tls=client_context())
    assert await raw.command("AUTH") == b"+OK Mechanisms follow\r\n"
    assert await raw.lines() == [b"PLAIN"]
    assert await raw.command("AUTH LOGIN") == b"-ERR Unsupported authentication mechanism\r\n"
    assert await raw.command("AUTH PLAIN") == b"+ \r\n"
    assert await raw.command("*") == b"-ERR Authentication cancelled\r\n"
    assert await raw.command("AUTH PLAIN") == b"+ \r\n"
    assert await raw.command("!!not base64!!") == b"-ERR Invalid AUTH PLAIN response\r\n"
    acting_as_bob = plain(ALICE, PASSWORD, authzid=BOB)
    assert await raw.command(f"AUTH PLAIN {acting_as_bob}") == (
        b"-ERR Invalid AUTH PLAIN response\r\n"
    )
    assert await raw.command(f"AUTH PLAIN {plain(ALICE, 'wrong')}") == (
        b"-ERR [AUTH] Authentication failed\r\n"
    )
    assert await raw.command("AUTH PLAIN") == b"+ \r\n"
    assert await raw.command(plain(ALICE, PASSWORD)) == (
        f"+OK Logged in, 1 messages ({size} octets)\r\n".encode()
    )
    assert await raw.command("UIDL 1") == f"+OK 1 {message_id}\r\n".encode()
    assert (await raw.command("QUIT")).startswith(b"+OK")
    assert await raw.closed()
    await raw.close()


async def test_dele_moves_to_trash_at_quit_and_rset_undoes(pop3: Pop3) -> None:
    ids = await pop3.deliver(*(make_raw(subject=f"Message {n}") for n in range(3)))
    client = await logged_in(pop3)
    await io(client.dele, 1)
    await io(client.rset)
    await io(client.dele, 2)
    await io(client.dele, 3)
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == ids  # not before QUIT
    assert await pop3.folder_ids(ALICE, FolderRole.TRASH) == []
    assert await io(client.quit) == b"+OK Bureau POP3 server signing off (2 messages deleted)"
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == ids[:1]
    assert sorted(await pop3.folder_ids(ALICE, FolderRole.TRASH)) == sorted(ids[1:])
    account = await pop3.store.account_by_address(ALICE)
    assert account is not None
    inbox = await pop3.store.folder_by_role(account.id, FolderRole.INBOX)
    trashed = await pop3.store.message(account.id, ids[1])
    assert trashed.trashed_from == inbox.id  # restorable like any deletion

    # A session that ends without QUIT changes nothing; the same UIDL next time.
    client = await logged_in(pop3)
    await io(client.dele, 1)
    await io(client.close)

    async def relogged() -> poplib.POP3 | None:
        again = await stls_client(pop3)
        await io(again.user, ALICE)
        try:
            await io(again.pass_, PASSWORD)
        except poplib.error_proto as refusal:  # the server has not seen the close yet
            assert b"[IN-USE]" in refusal.args[0]
            await io(again.close)
            return None
        return again

    client = await eventually(relogged)
    _, uids, _ = await io(client.uidl)
    assert uids == [f"1 {ids[0]}".encode()]
    await io(client.quit)
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == ids[:1]


async def test_only_the_inbox_as_it_was_at_login(pop3: Pop3) -> None:
    ids = await pop3.deliver(*(make_raw(subject=f"Message {n}") for n in range(4)))
    account = await pop3.store.account_by_address(ALICE)
    assert account is not None
    spam = await pop3.store.folder_by_role(account.id, FolderRole.SPAM)
    projects = await pop3.store.create_folder(account.id, "Projects", None)
    await pop3.store.move_messages(account.id, Selection(message_ids=[ids[0]]), spam.id)
    await pop3.store.move_messages(account.id, Selection(message_ids=[ids[1]]), projects.id)

    client = await logged_in(pop3)
    _, uids, _ = await io(client.uidl)
    assert uids == [f"1 {ids[2]}".encode(), f"2 {ids[3]}".encode()]
    new = await pop3.deliver(make_raw(subject="Arrives during the session"))
    assert (await io(client.stat))[0] == 2  # numbers stay fixed for the session

    # Another client (the web) deletes message 1 meanwhile: it is gone, and QUIT does
    # not remove it for good from Trash.
    await pop3.store.trash_messages(account.id, Selection(message_ids=[ids[2]]))
    assert await refused(client.retr, 1) == b"-ERR Message was removed by another client"
    await io(client.dele, 1)
    await io(client.dele, 2)
    assert await io(client.quit) == b"+OK Bureau POP3 server signing off (1 messages deleted)"
    assert sorted(await pop3.folder_ids(ALICE, FolderRole.TRASH)) == sorted(ids[2:])

    client = await logged_in(pop3)
    _, uids, _ = await io(client.uidl)
    assert uids == [f"1 {new[-1]}".encode()]
    await io(client.quit)


async def test_one_session_per_maildrop(pop3: Pop3) -> None:
    first = await logged_in(pop3)
    second = await tls_client(pop3)  # the lock spans both ports
    await io(second.user, ALICE)
    assert await refused(second.pass_, PASSWORD) == (
        b"-ERR [IN-USE] Mailbox is locked by another POP3 session"
    )
    bob = await logged_in(pop3, BOB)  # other accounts are not held up
    await io(bob.quit)
    await io(first.quit)
    await io(second.user, ALICE)
    assert (await io(second.pass_, PASSWORD)).startswith(b"+OK Logged in")
    await io(second.quit)


async def test_bad_credentials_then_lockout(pop3: Pop3) -> None:
    client = await stls_client(pop3)
    await io(client.user, "nobody@example.test")
    assert await refused(client.pass_, PASSWORD) == b"-ERR [AUTH] Authentication failed"
    for _ in range(MAX_FAILURES):
        await io(client.user, ALICE)
        assert await refused(client.pass_, "wrong") == b"-ERR [AUTH] Authentication failed"
    await io(client.user, ALICE)
    locked = await refused(client.pass_, PASSWORD)  # even the right password, for now
    assert locked.startswith(b"-ERR [SYS/TEMP] Too many failed logins; try again in ")
    seconds = int(locked.split(b" in ")[1].split()[0])
    assert 0 < seconds <= 300
    await io(client.user, BOB)  # per address: Bob from the same client is not locked out
    assert (await io(client.pass_, PASSWORD)).startswith(b"+OK Logged in")
    await io(client.quit)


# --- the protocol by hand --------------------------------------------------------------
async def test_bad_input_gets_errors_and_the_server_carries_on(pop3: Pop3) -> None:
    (message_id,) = await pop3.deliver(make_raw(body=".dot line\nplain line\n"))
    size = len(await pop3.blob(ALICE, message_id))
    raw = await Raw.open(pop3.port)
    exchanges: list[tuple[str | bytes, bytes]] = [
        ("STAT", b"-ERR Command not valid in this state"),
        ("NOOP", b"-ERR Command not valid in this state"),
        ("PASS secret", b"-ERR USER first"),
        ("FROB", b"-ERR Unknown command"),
        ("", b"-ERR Unknown command"),
        (b"\xff\xfe\x00\x01 garbage", b"-ERR Unknown command"),
        (b"USER " + b"a" * 10_000, b"-ERR Line too long"),
        ("USER ", b"-ERR USER needs a name"),
        ("APOP alice 0123456789abcdef", b"-ERR Unknown command"),
        ("user " + ALICE, b"+OK Send your password"),  # keywords in any case
        ("pass " + PASSWORD, f"+OK Logged in, 1 messages ({size} octets)".encode()),
        ("LIST abc", b"-ERR Invalid message number"),
        ("LIST -1", b"-ERR Invalid message number"),
        ("LIST 1 2", b"-ERR Wrong number of arguments"),
        ("LIST 0", b"-ERR No such message"),
        ("LIST 99999999999999999999999999", b"-ERR No such message"),
        ("RETR", b"-ERR Wrong number of arguments"),
        ("TOP 1", b"-ERR Wrong number of arguments"),
        ("TOP 1 x", b"-ERR Invalid number of lines"),
        ("DELE one", b"-ERR Invalid message number"),
        ("STAT 1", b"-ERR Wrong number of arguments"),
        ("STLS", b"-ERR Command not valid in this state"),
        ("USER " + BOB, b"-ERR Command not valid in this state"),
        ("AUTH PLAIN", b"-ERR Command not valid in this state"),
    ]
    for line, reply in exchanges:
        assert await raw.command(line) == reply + b"\r\n", line
    # Pipelined commands, bare LF line ends, a stuffed dot on the wire.
    raw.writer.write(b"NOOP\r\nSTAT\nRETR 1\r\n")
    assert await raw.line() == b"+OK\r\n"
    assert await raw.line() == f"+OK 1 {size}\r\n".encode()
    assert await raw.line() == f"+OK {size} octets\r\n".encode()
    body = await raw.lines()
    assert b"..dot line" in body and b"plain line" in body
    assert (
        await raw.command("QUIT") == b"+OK Bureau POP3 server signing off (0 messages deleted)\r\n"
    )
    assert await raw.closed()
    await raw.close()

    # Too many bad commands: the connection is closed.
    raw = await Raw.open(pop3.port)
    for _ in range(session.MAX_BAD_COMMANDS - 1):
        assert await raw.command("FROB") == b"-ERR Unknown command\r\n"
    assert await raw.command("FROB") == (
        b"-ERR Unknown command; too many bad commands, closing\r\n"
    )
    assert await raw.closed()
    await raw.close()

    # Commands pipelined after STLS, in plaintext, end the connection (RFC 2595 §3.1).
    raw = await Raw.open(pop3.port)
    assert (
        await raw.command(b"STLS\r\nUSER " + ALICE.encode()) == b"+OK Begin TLS negotiation now\r\n"
    )
    assert await raw.closed()
    await raw.close()

    # A TLS handshake that goes wrong ends only that connection.
    raw = await Raw.open(pop3.port)
    assert await raw.command("STLS") == b"+OK Begin TLS negotiation now\r\n"
    raw.writer.write(b"this is not a TLS ClientHello\r\n")
    assert await raw.closed()
    await raw.close()

    client = await logged_in(pop3)
    assert (await io(client.stat))[0] == 1
    await io(client.quit)


async def test_autologout_after_idling(pop3: Pop3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "IDLE_TIMEOUT", 0.5)
    raw = await Raw.open(pop3.port)
    assert await raw.command("USER " + ALICE) == b"+OK Send your password\r\n"
    assert await raw.command("PASS " + PASSWORD) == b"+OK Logged in, 0 messages (0 octets)\r\n"
    assert await raw.line() == b"-ERR Autologout; idle for too long\r\n"
    assert await raw.closed()
    await raw.close()
    monkeypatch.setattr(server, "IDLE_TIMEOUT", 600.0)
    client = await logged_in(pop3)  # the maildrop was unlocked
    await io(client.quit)


async def test_passwords_only_over_tls_off_loopback(public_pop3: Pop3) -> None:
    pop3 = public_pop3
    raw = await Raw.open(pop3.port, host=pop3.host)
    assert await raw.command("CAPA") == b"+OK Capability list follows\r\n"
    capabilities = await raw.lines()
    assert b"STLS" in capabilities
    assert b"USER" not in capabilities and b"SASL PLAIN" not in capabilities
    refusal = b"-ERR [AUTH] Plaintext authentication disallowed on non-secure connections\r\n"
    assert await raw.command("USER " + ALICE) == refusal
    assert await raw.command("PASS " + PASSWORD) == b"-ERR USER first\r\n"
    assert await raw.command(f"AUTH PLAIN {plain(ALICE, PASSWORD)}") == refusal
    await raw.close()

    client = await io(poplib.POP3, pop3.host, pop3.port, 10)
    await io(functools.partial(client.stls, context=client_context()))
    assert "USER" in await io(client.capa)
    await io(client.user, ALICE)
    assert (await io(client.pass_, PASSWORD)).startswith(b"+OK Logged in")
    await io(client.quit)


# --- the listeners alone (no stack) ---------------------------------------------------
@dataclass
class Alone:
    listeners: list[Listener]
    mailbox: SqliteMailboxStore
    account_id: str
    inbox_id: str
    port: int
    tls_port: int


@pytest.fixture
async def alone(tmp_path: Path) -> AsyncIterator[Alone]:
    """The POP3 listeners on a SQLite store and blob directory, without services."""
    port, tls_port = free_port(), free_port()
    settings = GatewaySettings(
        data_dir=tmp_path, pop3_listen=f"127.0.0.1:{port}", pop3s_listen=f"127.0.0.1:{tls_port}"
    )
    mailbox = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
    account = await mailbox.create_account(ALICE, hash_password(PASSWORD))
    inbox = await mailbox.folder_by_role(account.id, FolderRole.INBOX)
    front = FrontEnd(
        settings=settings,
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        index=cast(Any, None),  # POP3 does not search
        login=PasswordLogin(mailbox),
        tls=server_context(settings),
        changes=ChangeFeed(),
    )
    listeners = pop3_listeners(front)
    for listener in listeners:
        await listener.start()
    yield Alone(listeners, mailbox, account.id, inbox.id, port, tls_port)
    for listener in listeners:
        await listener.stop()
    await mailbox.close()


async def _store(alone: Alone, raw: bytes, tmp_path: Path) -> str:
    blob_id = await FsBlobStore(tmp_path / "blobs").put(raw)
    message = new_message(alone.account_id, alone.inbox_id, raw, blob_id=blob_id)
    return (await alone.mailbox.deliver(message)).message_id


async def test_mail_stored_with_bare_lf_goes_out_with_crlf(alone: Alone, tmp_path: Path) -> None:
    await _store(alone, b"Subject: LF only\n\n.dot\nlast line without end", tmp_path)
    raw = await Raw.open(alone.port)
    assert (await raw.command("USER " + ALICE)).startswith(b"+OK")
    assert (await raw.command("PASS " + PASSWORD)).startswith(b"+OK Logged in, 1 messages")
    assert (await raw.command("RETR 1")).startswith(b"+OK")
    assert await raw.lines() == [b"Subject: LF only", b"", b"..dot", b"last line without end"]
    assert (await raw.command("TOP 1 0")).startswith(b"+OK")
    assert await raw.lines() == [b"Subject: LF only", b""]
    await raw.command("QUIT")
    await raw.close()


async def test_large_message_over_tls(alone: Alone, tmp_path: Path) -> None:
    body = "".join(f"{n:08d} {'x' * 68}\n" for n in range(40_000))  # 3 MB
    message_id = await _store(alone, make_raw(body=body), tmp_path)
    client = await io(
        functools.partial(
            poplib.POP3_SSL, "127.0.0.1", alone.tls_port, timeout=10, context=client_context()
        )
    )
    await io(client.user, ALICE)
    await io(client.pass_, PASSWORD)
    _, lines, _ = await io(client.retr, 1)
    await io(client.quit)
    stored = await alone.mailbox.message(alone.account_id, message_id)
    blob = await FsBlobStore(tmp_path / "blobs").get(stored.blob_id)
    assert b"\r\n".join(lines) + b"\r\n" == blob and len(blob) > 3_000_000


async def test_stopping_says_goodbye_and_applies_nothing(alone: Alone, tmp_path: Path) -> None:
    assert [listener.describe() for listener in alone.listeners] == [
        f"POP3  127.0.0.1:{alone.port} (STLS)",
        f"POP3  127.0.0.1:{alone.tls_port} (TLS)",
    ]
    message_id = await _store(alone, make_raw(), tmp_path)
    logged_in = await Raw.open(alone.port)
    await logged_in.command("USER " + ALICE)
    assert (await logged_in.command("PASS " + PASSWORD)).startswith(b"+OK Logged in")
    assert await logged_in.command("DELE 1") == b"+OK Message 1 deleted\r\n"
    waiting = await Raw.open(alone.tls_port, tls=client_context())

    async with asyncio.timeout(10):
        for listener in alone.listeners:
            await listener.stop()
    for raw in (logged_in, waiting):
        assert await raw.line() == b"-ERR [SYS/TEMP] Server shutting down\r\n"
        assert await raw.closed()
        await raw.close()
    with pytest.raises(OSError):
        await Raw.open(alone.port)
    uids = await alone.mailbox.folder_uids(alone.account_id, alone.inbox_id)
    assert [e.id for e in uids] == [message_id]  # no QUIT, no deletion


# --- real clients -----------------------------------------------------------------------
def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed (Debian: apt-get install {program})")
    return path


async def _run(*argv: str, env: dict[str, str] | None = None) -> str:
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        text = output.decode(errors="replace")
        raise AssertionError(f"{argv[0]} did not finish:\n{text}") from None
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


def _same_mail(found: list[bytes], blobs: list[bytes]) -> None:
    """The messages a client saved are the stored ones, byte for byte but line ends."""
    assert sorted(m.replace(b"\r\n", b"\n") for m in found) == sorted(
        b.replace(b"\r\n", b"\n") for b in blobs
    )


async def test_fetchmail_over_stls(pop3: Pop3, tmp_path: Path) -> None:
    fetchmail = _require("fetchmail")
    raws = [make_raw(subject="For fetchmail", body=".dot\n..dots\n.\n"), make_raw()]
    ids = await pop3.deliver(*raws)
    blobs = [await pop3.blob(ALICE, i) for i in ids]

    async def fetch(keep: bool) -> list[bytes]:
        out = tmp_path / ("kept" if keep else "deleted")
        out.mkdir()
        rc = tmp_path / f"fetchmailrc-{out.name}"
        rc.write_text(
            "set no bouncemail\n"
            f"poll 127.0.0.1 protocol pop3 port {pop3.port} timeout 20\n"
            f'  user "{ALICE}" there with password "{PASSWORD}" is "{getpass.getuser()}" here\n'
            f"  sslproto 'TLS1.2+' sslcertck sslcertfile \"{pop3.cert}\"\n"
            f"  sslcommonname localhost\n"
            f"  {'keep' if keep else 'no keep'} fetchall no rewrite\n"
            f'  mda "cat > {out}/message.$$"\n'
        )
        rc.chmod(0o600)
        log = await _run(
            fetchmail, "-f", str(rc), "-i", str(tmp_path / "fetchids"), "-v", "--nosyslog",
            "--invisible", env={"HOME": str(tmp_path)},
        )  # fmt: skip
        assert "STLS" in log
        return [p.read_bytes() for p in sorted(out.iterdir())]

    _same_mail(await fetch(keep=True), blobs)
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == ids
    _same_mail(await fetch(keep=False), blobs)
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == []
    assert sorted(await pop3.folder_ids(ALICE, FolderRole.TRASH)) == sorted(ids)


async def test_getmail_over_tls(pop3: Pop3, tmp_path: Path) -> None:
    getmail = _require("getmail")
    raws = [make_raw(subject="For getmail", body=".dot\n..dots\n.\n"), make_raw()]
    ids = await pop3.deliver(*raws)
    blobs = [await pop3.blob(ALICE, i) for i in ids]

    async def fetch(delete: bool) -> list[bytes]:
        out = tmp_path / ("deleted" if delete else "kept")
        out.mkdir()
        rc = tmp_path / f"getmailrc-{out.name}"
        rc.write_text(
            "[retriever]\n"
            "type = SimplePOP3SSLRetriever\n"
            f"server = 127.0.0.1\nport = {pop3.tls_port}\n"
            f"username = {ALICE}\npassword = {PASSWORD}\n"
            f"ca_certs = {pop3.cert}\n"
            # An external MDA rather than a Maildir: getmail refuses Maildir delivery as
            # root, which tests in containers often are.
            "[destination]\n"
            "type = MDA_external\npath = /bin/sh\n"
            f'arguments = ("-c", "cat > {out}/message.$$")\n'
            "allow_root_commands = true\nunixfrom = false\n"
            "[options]\n"
            f"read_all = true\ndelete = {str(delete).lower()}\n"
            "received = false\ndelivered_to = false\n"
        )
        await _run(getmail, f"--getmaildir={tmp_path}", f"--rcfile={rc}")
        return [p.read_bytes() for p in sorted(out.iterdir())]

    _same_mail(await fetch(delete=False), blobs)
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == ids
    _same_mail(await fetch(delete=True), blobs)
    assert await pop3.folder_ids(ALICE, FolderRole.INBOX) == []
    assert sorted(await pop3.folder_ids(ALICE, FolderRole.TRASH)) == sorted(ids)
