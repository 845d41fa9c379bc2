"""The login throttle and the POP3 maildrop lock across the running platform: one
nats-server, two gateway replicas and an ingest, each a real `bureau serve` process;
HTTP (aiohttp), IMAP (imaplib), POP3 (poplib) and submission (smtplib) clients over
loopback, from several source addresses (all of 127.0.0.0/8 is this machine).

Failures counted by one process are seen by the others, whatever the protocol; the
owner signing in from a client of their own is not locked out; a POP3 session on one
replica keeps the maildrop from the other, and a replica killed holding it gives it
up after the lock's TTL."""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import smtplib
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bureau.nats_server import EmbeddedNats
from bureau.process import free_port
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.passwords import hash_password
from tests.integration.processes import ServiceProcess, service_env

pytestmark = pytest.mark.timeout(300)

ADDRESS, PASSWORD = "alice@example.test", "correct horse battery"
OWNER, GUESSER, ROTATING, FRESH = "127.0.0.2", "127.0.0.1", "127.0.0.3", "127.0.0.4"
LOCK_TTL = 5.0


@dataclass
class Gateway:
    process: ServiceProcess
    http: int
    imap: int
    pop3: int


@dataclass
class Platform:
    a: Gateway
    b: Gateway
    ingest: ServiceProcess
    submissions: int


def _gateway(env: dict[str, str], name: str, log_dir: Path) -> Gateway:
    http, imap, pop3 = free_port(), free_port(), free_port()
    env = {
        **env,
        "BUREAU_HTTP_LISTEN": f"127.0.0.1:{http}",
        "BUREAU_IMAP_LISTEN": f"127.0.0.1:{imap}",
        "BUREAU_IMAPS_LISTEN": f"127.0.0.1:{free_port()}",
        "BUREAU_POP3_LISTEN": f"127.0.0.1:{pop3}",
        "BUREAU_POP3S_LISTEN": f"127.0.0.1:{free_port()}",
    }
    log_dir = log_dir / name
    log_dir.mkdir()
    return Gateway(ServiceProcess("gateway", env, log_dir), http, imap, pop3)


@pytest.fixture
async def platform(tmp_path: Path, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    data_dir = tmp_path / "var"
    store = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")
    await store.create_account(ADDRESS, hash_password(PASSWORD))
    await store.close()
    env = service_env(data_dir, nats_server.url)
    env.update(
        BUREAU_LOGIN_MAX_FAILURES="3",  # per account from one client
        BUREAU_LOGIN_ACCOUNT_MAX_FAILURES="5",  # per account from all clients
        BUREAU_LOGIN_WINDOW="120",
        BUREAU_POP3_LOCK_TTL=str(LOCK_TTL),
        BUREAU_SMTP_HOSTNAME="mx.example.test",
    )
    submissions = free_port()
    ingest_dir = tmp_path / "ingest"
    ingest_dir.mkdir()
    ingest = ServiceProcess(
        "ingest",
        {
            **env,
            "BUREAU_SMTP_LISTEN": f"127.0.0.1:{free_port()}",
            "BUREAU_SUBMISSIONS_LISTEN": f"127.0.0.1:{submissions}",
        },
        ingest_dir,
    )
    a, b = _gateway(env, "a", tmp_path), _gateway(env, "b", tmp_path)
    try:
        for process in (a.process, b.process, ingest):  # one at a time: the first makes the TLS key
            await process.start(timeout=90)
        yield Platform(a, b, ingest, submissions)
    finally:
        for process in (a.process, b.process, ingest):
            await asyncio.to_thread(process.stop)


# --- clients, each from a chosen source address ----------------------------------------
async def http_login(gateway: Gateway, source: str, password: str) -> tuple[int, dict[str, str]]:
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.post(
            f"http://127.0.0.1:{gateway.http}/api/v1/session",
            json={"address": ADDRESS, "password": password},
        ) as resp:
            body = await resp.json()
            assert "error" in body or "token" in body
            return resp.status, dict(resp.headers)


class _Imap(imaplib.IMAP4):
    def __init__(self, port: int, source: str) -> None:
        self._source = source
        super().__init__("127.0.0.1", port, timeout=15)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection(
            (self.host, self.port), timeout, source_address=(self._source, 0)
        )


def _imap_login(port: int, source: str, password: str) -> str:
    client = _Imap(port, source)
    try:
        client.login(ADDRESS, password)
    except imaplib.IMAP4.error as refused:
        return str(refused)
    finally:
        client.shutdown()
    return "OK"


async def imap_login(gateway: Gateway, source: str, password: str) -> str:
    return await asyncio.to_thread(_imap_login, gateway.imap, source, password)


class _Pop3(poplib.POP3):
    def __init__(self, port: int, source: str) -> None:
        self._source = source
        super().__init__("127.0.0.1", port, timeout=15)

    def _create_socket(self, timeout: float) -> socket.socket:
        return socket.create_connection(
            (self.host, self.port), timeout, source_address=(self._source, 0)
        )


def _pop3_open(port: int, source: str, password: str) -> tuple[str, _Pop3 | None]:
    client = _Pop3(port, source)
    try:
        client.user(ADDRESS)
        return client.pass_(password).decode(), client
    except poplib.error_proto as refused:
        client.close()
        return str(refused.args[0], "ascii", "replace"), None


async def pop3_open(gateway: Gateway, source: str, password: str) -> tuple[str, _Pop3 | None]:
    return await asyncio.to_thread(_pop3_open, gateway.pop3, source, password)


async def pop3_login(gateway: Gateway, source: str, password: str) -> str:
    answer, client = await pop3_open(gateway, source, password)
    if client is not None:
        await asyncio.to_thread(client.quit)
    return answer


def _submission_login(port: int, source: str, password: str) -> tuple[int, str]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP_SSL(
        "127.0.0.1", port, timeout=15, context=context, source_address=(source, 0)
    ) as client:
        client.ehlo("client.example")
        # AUTH PLAIN alone: `login` would try LOGIN after a refused PLAIN, failing twice.
        client.user, client.password = ADDRESS, password
        try:
            code, text = client.auth("PLAIN", client.auth_plain)
        except smtplib.SMTPResponseException as refused:
            return refused.smtp_code, refused.smtp_error.decode()
        return code, text.decode()


async def submission_login(platform: Platform, source: str, password: str) -> tuple[int, str]:
    return await asyncio.to_thread(_submission_login, platform.submissions, source, password)


# --- the tests -------------------------------------------------------------------------
async def test_failures_anywhere_count_everywhere_but_not_against_the_owner(
    platform: Platform,
) -> None:
    a, b = platform.a, platform.b
    # Three wrong passwords from one client: two over HTTP on replica A, one over IMAP on B.
    for _ in range(2):
        assert (await http_login(a, GUESSER, "guess"))[0] == 401
    assert "AUTHENTICATIONFAILED" in await imap_login(b, GUESSER, "guess")

    # That client is now refused everywhere, even with the right password.
    status, headers = await http_login(b, GUESSER, PASSWORD)
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 120
    assert "[UNAVAILABLE]" in await imap_login(a, GUESSER, PASSWORD)
    assert "[SYS/TEMP] Too many failed logins" in await pop3_login(b, GUESSER, PASSWORD)
    code, text = await submission_login(platform, GUESSER, PASSWORD)
    assert (code, text[:5]) == (454, "4.7.0")

    # The owner, from a client of their own with no failures, is not locked out.
    assert (await http_login(a, OWNER, PASSWORD))[0] == 200
    assert await imap_login(b, OWNER, PASSWORD) == "OK"
    assert (await submission_login(platform, OWNER, PASSWORD))[0] == 235

    # Rotating addresses: two more failures from another client bring the account to
    # its budget of five; then a client that failed already is refused though under
    # its own three, and a fresh one gets one guess and no more.
    for _ in range(2):
        assert (await submission_login(platform, ROTATING, "guess"))[0] == 535
    assert "[UNAVAILABLE]" in await imap_login(a, ROTATING, PASSWORD)
    assert "[AUTH] Authentication failed" in await pop3_login(b, FRESH, "guess")
    assert (await http_login(a, FRESH, PASSWORD))[0] == 429
    # ... while the owner's known client still gets in, on every protocol.
    assert "Logged in" in await pop3_login(a, OWNER, PASSWORD)
    assert (await http_login(b, OWNER, PASSWORD))[0] == 200


async def test_one_pop3_session_per_maildrop_across_replicas(platform: Platform) -> None:
    a, b = platform.a, platform.b
    answer, held = await pop3_open(a, OWNER, PASSWORD)
    assert "Logged in" in answer and held is not None
    assert "[IN-USE]" in await pop3_login(b, OWNER, PASSWORD)
    assert "[IN-USE]" in await pop3_login(a, OWNER, PASSWORD)
    await asyncio.to_thread(held.quit)
    answer, held = await pop3_open(b, OWNER, PASSWORD)
    assert "Logged in" in answer and held is not None

    # Replica B dies holding the lock: A refuses until the lock's TTL has passed.
    await asyncio.to_thread(b.process.kill)
    held.sock.close()
    assert "[IN-USE]" in await pop3_login(a, OWNER, PASSWORD)
    loop = asyncio.get_running_loop()
    killed_at, answer = loop.time(), ""
    while loop.time() - killed_at < LOCK_TTL + 10:
        answer = await pop3_login(a, OWNER, PASSWORD)
        if "Logged in" in answer:
            break
        await asyncio.sleep(0.25)
    assert "Logged in" in answer, answer
