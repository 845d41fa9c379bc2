"""The client behind a trusted proxy: the PROXY protocol header (v1 and v2, before TLS
on the implicit-TLS ports) on the IMAP, POP3 and submission listeners, and
X-Forwarded-For on HTTP; believed only from `BUREAU_TRUSTED_PROXIES`.

The proxy here is 127.0.0.1; an untrusted client connects from 127.0.0.2 (all of
127.0.0.0/8 is this machine). What address a login is counted for shows in the log
and in what the throttle refuses."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import ssl
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from bureau.process import free_port
from services.gateway import imap, pop3
from services.gateway.changes import ChangeFeed
from services.gateway.frontends import FrontEnd, Listener
from services.gateway.settings import GatewaySettings
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import Event
from shared.ports.logins import MemoryLoginRecords
from shared.runtime.clients import TrustedProxies
from shared.runtime.login import PasswordLogin
from shared.runtime.passwords import hash_password
from shared.runtime.ratelimit import Budgets, LoginThrottle
from shared.runtime.tls import server_context
from tests.integration.gateway_support import ALICE, running_gateway

ADDRESS, PASSWORD = "alice@example.test", "correct horse"
UNTRUSTED = "127.0.0.2"
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(client: str, port: int = 143) -> bytes:
    family = "TCP6" if ":" in client else "TCP4"
    server = "2001:db8::1" if ":" in client else "192.0.2.10"
    return f"PROXY {family} {client} {server} 40000 {port}\r\n".encode()


def v2(client: str | None, port: int = 993) -> bytes:
    """A version 2 header; None: a LOCAL one (the proxy's own health check)."""
    if client is None:
        return V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    addresses = ipaddress.IPv4Address(client).packed + ipaddress.IPv4Address("192.0.2.10").packed
    body = addresses + struct.pack("!HH", 40000, port)
    return V2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


def client_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Talk:
    """A connection by hand: a PROXY header first, then the protocol (over TLS if asked)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(
        cls, port: int, *, header: bytes = b"", tls: bool = False, source: str = "127.0.0.1"
    ) -> Talk:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        writer.write(header)
        await writer.drain()
        if tls:
            await writer.start_tls(client_tls())
        return cls(reader, writer)

    async def line(self) -> bytes:
        return await asyncio.wait_for(self.reader.readline(), 15)

    async def send(self, line: str) -> bytes:
        self.writer.write(line.encode() + b"\r\n")
        return await self.line()

    async def closed(self) -> bool:
        """Closed by the server, answering nothing (a reset: it left what we sent unread)."""
        try:
            return await self.line() == b""
        except ConnectionResetError:
            return True

    async def until(self, prefix: bytes) -> bytes:
        while not (line := await self.line()).startswith(prefix):
            assert line, f"closed before {prefix!r}"
        return line

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass


@dataclass
class Gateway:
    imap: int
    imaps: int
    pop3: int
    pop3s: int


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    """The IMAP and POP3 listeners behind 127.0.0.1 as a trusted proxy; two failures
    for an account from one client and that client is refused for it."""
    ports = Gateway(free_port(), free_port(), free_port(), free_port())
    settings = GatewaySettings(
        data_dir=tmp_path,
        trusted_proxies="127.0.0.1",
        imap_listen=f"127.0.0.1:{ports.imap}",
        imaps_listen=f"127.0.0.1:{ports.imaps}",
        pop3_listen=f"127.0.0.1:{ports.pop3}",
        pop3s_listen=f"127.0.0.1:{ports.pop3s}",
    )
    mailbox = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
    await mailbox.create_account(ADDRESS, hash_password(PASSWORD))
    throttle = LoginThrottle(MemoryLoginRecords(), Budgets(pair=2, window=60))
    front = FrontEnd(
        settings=settings,
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        index=cast(Any, None),  # logging in searches nothing
        login=PasswordLogin(mailbox, throttle),
        tls=server_context(settings),
        changes=ChangeFeed(),
    )
    listeners: list[Listener] = [*imap.listeners(front), *pop3.listeners(front)]
    for listener in listeners:
        await listener.start()
    yield ports
    for listener in listeners:
        await listener.stop()
    await mailbox.close()


async def test_imap_counts_the_client_a_v2_header_names_before_tls(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bureau.login")
    for attempt in range(3):
        talk = await Talk.open(gateway.imaps, header=v2("203.0.113.5"), tls=True)
        assert (await talk.line()).startswith(b"* OK")
        answer = await talk.send(f'a LOGIN {ADDRESS} "guess {attempt}"')
        await talk.close()
    assert answer.startswith(b"a NO [UNAVAILABLE]")  # the third, after two failures
    assert "failed login (IMAP) for 'alice@example.test' from 203.0.113.5" in caplog.text
    # Another client behind the same proxy is not refused: the proxy is not the client.
    talk = await Talk.open(gateway.imaps, header=v2("203.0.113.6"), tls=True)
    await talk.line()
    assert (await talk.send(f'a LOGIN {ADDRESS} "{PASSWORD}"')).startswith(b"a OK")
    await talk.close()
    # A LOCAL header (the proxy's health check) stands for the proxy itself.
    talk = await Talk.open(gateway.imaps, header=v2(None), tls=True)
    assert (await talk.line()).startswith(b"* OK")
    await talk.close()


async def test_imap_behind_a_proxy_is_no_longer_loopback(gateway: Gateway) -> None:
    # Directly from this machine plaintext LOGIN is allowed; from the client the proxy
    # names it is not (the exception is for local clients, not for local proxies).
    direct = await Talk.open(gateway.imap, source=UNTRUSTED)
    await direct.line()
    direct.writer.write(b"a CAPABILITY\r\n")
    assert b"AUTH=PLAIN" in await direct.until(b"* CAPABILITY")
    await direct.close()
    proxied = await Talk.open(gateway.imap, header=v1("198.51.100.7"))
    assert (await proxied.line()).startswith(b"* OK")
    proxied.writer.write(b"a CAPABILITY\r\n")
    assert b"LOGINDISABLED" in await proxied.until(b"* CAPABILITY")
    await proxied.close()


async def test_an_untrusted_peer_cannot_claim_an_address(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bureau.login")
    talk = await Talk.open(gateway.imap, source=UNTRUSTED)
    assert (await talk.line()).startswith(b"* OK")  # greeted at once: no header awaited
    # Its PROXY line is a command like any other, and a bad one.
    assert (await talk.send(v1("203.0.113.5").decode().strip())).startswith(b"PROXY BAD")
    assert (await talk.send(f'a LOGIN {ADDRESS} "guess"')).startswith(b"a NO")
    await talk.close()
    assert f"from {UNTRUSTED}" in caplog.text and "203.0.113.5" not in caplog.text


async def test_a_trusted_peer_without_a_header_is_closed(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    talk = await Talk.open(gateway.imap)
    talk.writer.write(b"a CAPABILITY\r\n")
    assert await talk.closed()  # never greeted
    await talk.close()
    assert "no valid PROXY header" in caplog.text


async def test_pop3_counts_the_proxied_client(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bureau.login")
    talk = await Talk.open(gateway.pop3s, header=v1("192.0.2.77", 995), tls=True)
    assert (await talk.line()).startswith(b"+OK")
    assert (await talk.send(f"USER {ADDRESS}")).startswith(b"+OK")
    assert (await talk.send("PASS wrong")).startswith(b"-ERR [AUTH]")
    await talk.close()
    assert "failed login (POP3) for 'alice@example.test' from 192.0.2.77" in caplog.text
    # An IPv6 client on the STLS port: not local, so no passwords before STLS.
    talk = await Talk.open(gateway.pop3, header=v1("2001:db8::77", 110))
    assert (await talk.line()).startswith(b"+OK")
    talk.writer.write(b"CAPA\r\n")
    capabilities = [await talk.line() for _ in range(8)]
    assert b"STLS\r\n" in capabilities and b"USER\r\n" not in capabilities
    await talk.close()


class _Publisher:
    async def publish(self, event: Event, subject: str | None = None) -> None:
        raise AssertionError("nothing is sent here")


async def test_submission_counts_the_proxied_client(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bureau.login")
    starttls, implicit = free_port(), free_port()
    settings = IngestSettings(
        data_dir=tmp_path,
        trusted_proxies="127.0.0.1",
        smtp_listen=f"127.0.0.1:{free_port()}",
        submission_listen=f"127.0.0.1:{starttls}",
        submissions_listen=f"127.0.0.1:{implicit}",
        smtp_hostname="mx.example.test",
    )
    mailbox = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
    await mailbox.create_account(ADDRESS, hash_password(PASSWORD))
    service = IngestService(
        settings,
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        publisher=_Publisher(),
        login_records=MemoryLoginRecords(),
    )
    await service.start()
    try:
        plain = base64.b64encode(f"\0{ADDRESS}\0wrong".encode()).decode()
        talk = await Talk.open(implicit, header=v2("203.0.113.9", 465), tls=True)
        assert (await talk.line()).startswith(b"220 ")
        talk.writer.write(b"EHLO client.example\r\n")
        await talk.until(b"250 ")
        assert (await talk.send(f"AUTH PLAIN {plain}")).startswith(b"535 5.7.8")
        await talk.close()
        assert "failed login (submission) for 'alice@example.test' from 203.0.113.9" in (
            caplog.text
        )
        # The STARTTLS port takes the header in clear, before the greeting.
        talk = await Talk.open(starttls, header=v1("203.0.113.10", 587))
        assert (await talk.line()).startswith(b"220 ")
        await talk.close()
        # A trusted peer that sends no header gets no greeting.
        talk = await Talk.open(starttls)
        talk.writer.write(b"EHLO client.example\r\n")
        assert await talk.closed()
        await talk.close()
    finally:
        await service.stop()
        await mailbox.close()


# --- HTTP: X-Forwarded-For -------------------------------------------------------------
async def login(world: Any, forwarded_for: str, password: str = "guess") -> int:
    resp = await world.client.post(
        "/api/v1/session",
        json={"address": ALICE[0], "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return int(resp.status)


@pytest.mark.parametrize("trusted", ["127.0.0.1", "192.0.2.1"])
async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    tmp_path: Path, trusted: str
) -> None:
    throttle = LoginThrottle(MemoryLoginRecords(), Budgets(pair=2, window=60))
    async with running_gateway(
        tmp_path, login_throttle=throttle, trusted_proxies=TrustedProxies.parse(trusted)
    ) as world:
        # The test client is 127.0.0.1: the proxy, or an untrusted client.
        assert await login(world, "203.0.113.5") == 401
        assert await login(world, "spoofed, 203.0.113.5") == 401
        assert await login(world, "203.0.113.5") == 429
        if trusted == "127.0.0.1":
            # Its clients are counted apart: another one is not refused.
            assert await login(world, "203.0.113.6", ALICE[1]) == 200
        else:
            # A client writing a new address each time is still one client.
            assert await login(world, "203.0.113.6", ALICE[1]) == 429
