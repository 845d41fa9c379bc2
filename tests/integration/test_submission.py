"""SMTP submission (RFC 6409, RFC 8314, RFC 4954) with every part real: the services on a
nats-server, the SQLite store, smtplib and swaks as clients, and an aiosmtpd smarthost
whose received bytes are checked. Each test shares one stack among several checks."""

from __future__ import annotations

import asyncio
import base64
import smtplib
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TypeVar

import pytest

from bureau.process import free_port
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import FolderRole, IdentityFields, Plan
from tests.conftest import Stack
from tests.integration.smarthost import Smarthost
from tests.integration.test_outbound import accounts, smarthost  # noqa: F401 - fixture
from tests.integration.test_pipeline import eventually
from tests.integration.test_pipeline import send as send_to_mx
from tests.programs import swaks_tls

PASSWORD = "correct horse"
ALICE = "alice@example.test"
MAX_FAILURES = 3
T = TypeVar("T")
Reply = tuple[int, str]


@dataclass
class Ports:
    starttls: int
    implicit: int


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Ports:
    """Free ports for the submission listeners, and a low lockout; set before the stack."""
    chosen = Ports(free_port(), free_port())
    monkeypatch.setenv("BUREAU_SUBMISSION_LISTEN", f"127.0.0.1:{chosen.starttls}")
    monkeypatch.setenv("BUREAU_SUBMISSIONS_LISTEN", f"127.0.0.1:{chosen.implicit}")
    monkeypatch.setenv("BUREAU_LOGIN_MAX_FAILURES", str(MAX_FAILURES))
    return chosen


@dataclass
class World:
    stack: Stack
    store: SqliteMailboxStore
    smarthost: Smarthost
    ports: Ports

    async def folder(self, address: str, role: FolderRole) -> list[str]:
        """The ids of the messages in one of `address`'s folders."""
        account = await self.store.account_by_address(address)
        assert account is not None
        folder = await self.store.folder_by_role(account.id, role)
        return [m.id for m in (await self.store.messages(account.id, folder.id)).items]

    async def received(self, recipient: str) -> EmailMessage:
        async def arrived() -> bool:
            return bool(self.smarthost.received_by(recipient))

        await eventually(arrived)
        return self.smarthost.received_by(recipient)[0].message()


@pytest.fixture
async def world(
    ports: Ports,
    smarthost: Smarthost,  # noqa: F811 - the fixture imported above; set up before the stack
    stack: Stack,
) -> AsyncIterator[World]:
    store = await accounts(stack, ALICE, "bob@example.test")
    try:
        yield World(stack, store, smarthost, ports)
    finally:
        await store.close()


# --- clients (blocking: run in a thread, as the server runs on the test's loop) -------------


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the embedded run's certificate is self-signed
    return context


def connect(world: World, *, implicit: bool = False, tls: bool = True) -> smtplib.SMTP:
    if implicit:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            "127.0.0.1", world.ports.implicit, context=_insecure(), timeout=30
        )
    else:
        client = smtplib.SMTP("127.0.0.1", world.ports.starttls, timeout=30)
        if tls:
            client.starttls(context=_insecure())
    client.ehlo("client.example.test")
    return client


def plain(user: str, password: str) -> str:
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


async def in_thread(world: World, steps: Callable[[smtplib.SMTP], T], **how: bool) -> T:
    """Run `steps` on a new authenticated-or-not connection, in a thread."""

    def run() -> T:
        client = connect(world, **how)
        try:
            return steps(client)
        finally:
            client.close()

    return await asyncio.to_thread(run)


def login(client: smtplib.SMTP, user: str = ALICE, password: str = PASSWORD) -> Reply:
    code, text = client.docmd("AUTH", f"PLAIN {plain(user, password)}")
    return code, text.decode()


def transaction(
    client: smtplib.SMTP, mail_from: str, recipients: list[str], data: bytes
) -> list[Reply]:
    """MAIL, each RCPT, then DATA if a recipient was accepted: every reply, in order."""
    replies = [client.mail(mail_from)]
    if replies[0][0] != 250:
        client.rset()
        return [(c, t.decode()) for c, t in replies]
    replies += [client.rcpt(r) for r in recipients]
    if any(code == 250 for code, _ in replies[1:]):
        replies.append(client.data(data))
    else:
        client.rset()
    return [(code, text.decode()) for code, text in replies]


def message(
    *, sender: str = ALICE, to: str = "bob@remote.test", subject: str = "Hello", **extra: str
) -> bytes:
    """A message as a mail client writes it; no Date or Message-ID unless given."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in extra.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Hello there,\nsee you soon.\n")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


# --- tests ----------------------------------------------------------------------------------


async def test_auth_plain_with_starttls_sends_with_the_fixes_of_rfc_6409(world: World) -> None:
    await world.store.set_plan(Plan(name="pro", signature="Sent from the Pro office"))
    alice = await world.store.account_by_address(ALICE)
    assert alice is not None
    await world.store.assign_plan(alice.id, "pro")
    recipients = ["carol@remote.test", "hidden@remote.test", "bob@example.test"]
    raw = message(to="Carol <carol@remote.test>", Cc="bob@example.test", Bcc="hidden@remote.test")

    def send(client: smtplib.SMTP) -> list[Reply]:
        assert "PLAIN" in client.esmtp_features["auth"] and "LOGIN" in client.esmtp_features["auth"]
        assert "starttls" not in client.esmtp_features
        assert login(client) == (235, "2.7.0 Authentication successful")
        return transaction(client, ALICE, recipients, raw)

    replies = await in_thread(world, send)
    assert [code for code, _ in replies] == [250, 250, 250, 250, 250]
    assert replies[-1][1].startswith("2.0.0 Ok: queued as ")

    delivered = await world.received("carol@remote.test")
    (accepted,) = world.smarthost.accepted
    assert accepted.mail_from == ALICE
    assert sorted(accepted.recipients) == ["carol@remote.test", "hidden@remote.test"]
    assert b"hidden@remote.test" not in accepted.data and b"\nBcc:" not in accepted.data
    assert delivered["Date"] is not None
    assert delivered["Message-ID"].endswith("@example.test>")
    received = accepted.data.split(b"\r\n\t")[0]
    assert received.startswith(b"Received: by mx.example.test (Bureau) with ESMTPSA id ")
    assert b"127.0.0.1" not in accepted.data and b"client.example.test" not in accepted.data
    body = delivered.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().rstrip().endswith("Sent from the Pro office")

    async def bob_has_it() -> list[str]:
        return await world.folder("bob@example.test", FolderRole.INBOX)

    (local,) = await eventually(bob_has_it)
    bob = await world.store.account_by_address("bob@example.test")
    assert bob is not None
    assert ("Bcc", "hidden@remote.test") not in (await world.store.message(bob.id, local)).headers
    (sent,) = await world.folder(ALICE, FolderRole.SENT)
    copy = await world.store.message(alice.id, sent)
    assert ("Bcc", "hidden@remote.test") in copy.headers
    assert copy.message_id == delivered["Message-ID"]


async def test_auth_login_with_implicit_tls_keeps_the_date_and_message_id(world: World) -> None:
    date = format_datetime(datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC))
    raw = message(Date=date, Message_ID="<kept@example.test>")

    def send(client: smtplib.SMTP) -> list[Reply]:
        assert sorted(client.esmtp_features["auth"].split()) == ["LOGIN", "PLAIN"]
        assert "starttls" not in client.esmtp_features
        assert "size" in client.esmtp_features
        client.user, client.password = ALICE, PASSWORD
        code, text = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
        assert code == 235, text
        return transaction(client, ALICE, ["bob@remote.test"], raw)

    def plain_forms(client: smtplib.SMTP) -> list[int]:
        for_bob = base64.b64encode(f"bob@example.test\0{ALICE}\0{PASSWORD}".encode()).decode()
        acting = client.docmd("AUTH", f"PLAIN {for_bob}")  # authorization as someone else
        challenged = client.docmd("AUTH", "PLAIN")  # no initial response: 334, then it
        answered = client.docmd(plain(ALICE, PASSWORD))
        again = client.docmd("AUTH", f"PLAIN {plain(ALICE, PASSWORD)}")
        return [acting[0], challenged[0], answered[0], again[0]]

    assert await in_thread(world, plain_forms, implicit=True) == [535, 334, 235, 503]
    replies = await in_thread(world, send, implicit=True)
    assert [code for code, _ in replies] == [250, 250, 250]
    delivered = await world.received("bob@remote.test")
    assert delivered["Date"] == date and delivered["Message-ID"] == "<kept@example.test>"
    assert len(delivered.get_all("Date", [])) == 1
    assert len(delivered.get_all("Message-ID", [])) == 1


@pytest.mark.skipif(swaks_tls() is not None, reason=str(swaks_tls()))
async def test_swaks_plain_over_starttls_and_login_over_implicit_tls(world: World) -> None:
    def swaks(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["swaks", "--server", "127.0.0.1", "--from", ALICE, "--auth-user", ALICE]
        command += ["--auth-password", PASSWORD, "--timeout", "30", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    starttls, implicit = await asyncio.gather(
        asyncio.to_thread(
            swaks, "--port", str(world.ports.starttls), "--tls", "--auth", "PLAIN",
            "--to", "dave@remote.test", "--header", "Subject: swaks STARTTLS",
        ),
        asyncio.to_thread(
            swaks, "--port", str(world.ports.implicit), "--tls-on-connect", "--auth", "LOGIN",
            "--to", "erin@remote.test", "--header", "Subject: swaks TLS",
        ),
    )  # fmt: skip
    assert starttls.returncode == 0, starttls.stdout + starttls.stderr
    assert implicit.returncode == 0, implicit.stdout + implicit.stderr
    assert "235 2.7.0 Authentication successful" in starttls.stdout
    assert (await world.received("dave@remote.test"))["Subject"] == "swaks STARTTLS"
    assert (await world.received("erin@remote.test"))["Subject"] == "swaks TLS"
    assert len(await world.folder(ALICE, FolderRole.SENT)) == 2

    # In clear, swaks finds no AUTH to use.
    clear = await asyncio.to_thread(
        swaks, "--port", str(world.ports.starttls), "--auth", "PLAIN", "--to", "x@remote.test"
    )
    assert clear.returncode != 0 and "not advertise" in clear.stdout + clear.stderr


async def test_nothing_without_tls_and_auth(world: World) -> None:
    def in_clear(client: smtplib.SMTP) -> list[Reply]:
        assert "starttls" in client.esmtp_features and "auth" not in client.esmtp_features
        auth = login(client)
        mail = client.mail(ALICE)
        return [auth, (mail[0], mail[1].decode())]

    auth, mail = await in_thread(world, in_clear, tls=False)
    assert auth == (538, "5.7.11 Encryption required for requested authentication mechanism")
    assert mail == (530, "5.7.0 Authentication required")

    def unauthenticated(client: smtplib.SMTP) -> list[Reply]:
        return transaction(client, ALICE, ["bob@remote.test"], message())

    assert (await in_thread(world, unauthenticated))[0][0] == 530
    assert (await in_thread(world, unauthenticated, implicit=True))[0][0] == 530
    # The MX listener beside them still takes mail for local users without AUTH.
    refused = await asyncio.to_thread(
        send_to_mx, world.stack.smtp_port, message(sender="bob@remote.test", to=ALICE), [ALICE]
    )
    assert refused == {}
    assert len(await eventually(lambda: world.folder(ALICE, FolderRole.INBOX))) == 1
    await asyncio.sleep(0.3)
    assert world.smarthost.accepted == []


async def test_wrong_password_then_lockout(world: World) -> None:
    def attempts(client: smtplib.SMTP) -> list[Reply]:
        wrong = [login(client, "bob@example.test", "wrong") for _ in range(MAX_FAILURES)]
        return [*wrong, login(client, "bob@example.test", PASSWORD)]

    replies = await in_thread(world, attempts)
    assert replies[:-1] == [(535, "5.7.8 Authentication credentials invalid")] * MAX_FAILURES
    code, text = replies[-1]
    assert code == 454 and text.startswith("4.7.0 Too many failed logins")
    # An unknown address fails like a wrong password; another account is not locked out.
    assert await in_thread(world, lambda c: login(c, "nobody@example.test", PASSWORD)) == (
        535,
        "5.7.8 Authentication credentials invalid",
    )
    assert (await in_thread(world, login, implicit=True))[0] == 235


async def test_the_sender_must_be_one_of_the_users_identities(world: World) -> None:
    alice = await world.store.account_by_address(ALICE)
    assert alice is not None
    await world.store.add_alias(alice.id, "sales@example.test")
    await world.store.add_alias(alice.id, "press@example.test")
    await world.store.create_identity(alice.id, IdentityFields(address="press@example.test"))

    def attempts(client: smtplib.SMTP) -> list[list[Reply]]:
        login(client)
        return [
            transaction(client, "bob@example.test", ["x@remote.test"], message()),
            transaction(client, "<>", ["x@remote.test"], message()),
            transaction(client, "sales@example.test", ["x@remote.test"], message()),
            transaction(client, ALICE, ["x@remote.test"], message(sender="bob@example.test")),
            transaction(client, ALICE, ["x@remote.test"], message(sender="sales@example.test")),
            transaction(client, ALICE, ["nobody@example.test"], message()),
            transaction(
                client, "press@example.test", ["ok@remote.test"],
                message(sender="Press <press@example.test>"),
            ),
        ]  # fmt: skip

    other, null, alias_only, from_other, from_alias, unknown, identity = await in_thread(
        world, attempts
    )
    assert other == [(553, "5.7.1 <bob@example.test>: Sender address not owned by " + ALICE)]
    assert null[0][0] == 553 and "null sender" in null[0][1]
    assert alias_only[0][0] == 553  # an alias that is no identity
    assert from_other[-1][0] == 550 and from_other[-1][1].startswith("5.7.1 From address")
    assert from_alias[-1][0] == 550
    assert unknown[-1][0] == 550 and unknown[-1][1].startswith("5.1.1 <nobody@example.test>")
    assert [c for c, _ in identity] == [250, 250, 250]
    assert (await world.received("ok@remote.test"))["From"] == "Press <press@example.test>"
    assert [a.mail_from for a in world.smarthost.accepted] == ["press@example.test"]


async def test_plan_limits_and_a_blocked_account(world: World) -> None:
    await world.store.set_plan(Plan(name="small", recipients_per_message=2, messages_per_day=1))
    await world.store.set_plan(Plan(name="tiny", storage_bytes=100))
    alice = await world.store.account_by_address(ALICE)
    bob = await world.store.account_by_address("bob@example.test")
    assert alice is not None and bob is not None
    await world.store.assign_plan(alice.id, "small")
    await world.store.assign_plan(bob.id, "tiny")
    to_three = ["a@remote.test", "b@remote.test", "c@remote.test"]

    def alice_sends(client: smtplib.SMTP) -> list[list[Reply]]:
        login(client)
        return [
            transaction(client, ALICE, to_three, message()),
            transaction(client, ALICE, ["d@remote.test"], message()),
        ]

    first, second = await in_thread(world, alice_sends)
    assert [c for c, _ in first] == [250, 250, 250, 452, 250]
    assert first[3][1] == "4.5.3 Too many recipients: your plan allows 2 per message"
    assert second[-1][0] == 450 and second[-1][1].startswith("4.7.1 Messages per day limit")
    assert "1 messages a day" in second[-1][1]
    await world.received("b@remote.test")
    assert sorted(world.smarthost.accepted[0].recipients) == ["a@remote.test", "b@remote.test"]

    def bob_sends(client: smtplib.SMTP) -> list[Reply]:
        login(client, "bob@example.test")
        sized = client.mail("bob@example.test", ["SIZE=5000"])  # the Sent copy cannot fit
        client.rset()
        bobs = message(sender="bob@example.test")
        unsized = transaction(client, "bob@example.test", ["x@remote.test"], bobs)
        return [(sized[0], sized[1].decode()), unsized[-1]]

    sized, unsized = await in_thread(world, bob_sends)
    assert sized[0] == 452 and sized[1].startswith("4.2.2 Mailbox full")
    assert unsized[0] == 452 and unsized[1].startswith("4.2.2 Mailbox full")

    await world.store.set_submission_blocked(alice.id, True)
    await world.store.assign_plan(alice.id, None)

    def blocked(client: smtplib.SMTP) -> list[Reply]:
        login(client)
        return transaction(client, ALICE, ["d@remote.test"], message())

    assert await in_thread(world, blocked, implicit=True) == [
        (550, "5.7.1 Sending is blocked for this account; ask your provider")
    ]
    await asyncio.sleep(0.3)
    assert len(world.smarthost.accepted) == 1
