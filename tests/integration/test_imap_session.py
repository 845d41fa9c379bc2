"""IMAP connections: greeting and capabilities, LOGIN and AUTHENTICATE PLAIN, literals,
STARTTLS and implicit TLS, plaintext only on loopback or under TLS, the lockout after
failed logins, states, pipelining, limits, autologout and the goodbye when stopping."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest

from services.gateway.imap import session as imap_session
from shared.model import MAX_FOLDER_DEPTH
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    PASSWORD,
    ImapStack,
    client_context,
    converse,
    imap_stack_fixture,
    own_listener,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# A low budget of failed logins for the lockout test (per address and client).
IMAP_ENV = {"BUREAU_LOGIN_MAX_FAILURES": "3", "BUREAU_LOGIN_WINDOW": "300"}


def plain(user: str, password: str, authzid: str = "") -> str:
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


async def test_greeting_capabilities_before_and_after_login(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect()
    assert b"IMAP4rev1" in client.greeted and b"STARTTLS" in client.greeted
    caps = (await client.ok("CAPABILITY")).lines("CAPABILITY")[0].split()
    for cap in (b"IMAP4rev2", b"LITERAL+", b"IDLE", b"UIDPLUS", b"MOVE", b"SPECIAL-USE"):
        assert cap in caps
    assert b"AUTH=PLAIN" in caps and b"LOGINDISABLED" not in caps  # loopback: allowed
    reply = await client.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
    assert reply.status.startswith(b"OK [CAPABILITY ")
    after = (await client.ok("CAPABILITY")).lines("CAPABILITY")[0].split()
    assert b"STARTTLS" not in after and b"AUTH=PLAIN" not in after and b"QUOTA" in after
    logout = await client.cmd("LOGOUT")
    assert logout.ok and logout.lines("BYE")
    await client.close()


async def test_login_arguments_as_literals_synchronising_or_not(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    user = account.address.encode()
    client = await imap_stack.connect()
    await client.send(b"a1 LOGIN {%d}\r\n" % len(user))
    assert (await client.line()).startswith(b"+ ")
    await client.send(user + b" {%d+}\r\n" % len(PASSWORD) + PASSWORD.encode() + b"\r\n")
    reply = await client.reply("a1")
    assert reply.ok, reply.text()
    await client.close()


async def test_literals_quoted_strings_and_atoms_in_any_astring_position(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "Notes \\"2026\\" \\\\ misc"')  # both escapes: \" and \\
    await client.send(b"q1 STATUS {5}\r\n")
    assert (await client.line()).startswith(b"+ ")
    await client.send(b"INBOX (MESSAGES)\r\n")
    assert (await client.reply("q1")).untagged == [b"STATUS INBOX (MESSAGES 0)"]
    name = b'Notes "2026" \\ misc'
    await client.send(b"q2 SELECT {%d+}\r\n%s\r\n" % (len(name), name))
    assert (await client.reply("q2")).ok
    await client.ok("CREATE Notes[1]")  # "[" in an atom that is no fetch attribute
    listed = await client.ok('LIST "" Notes*')
    assert b'LIST (\\HasNoChildren) "/" "Notes \\"2026\\" \\\\ misc"' in listed.untagged
    assert b'LIST (\\HasNoChildren) "/" Notes[1]' in listed.untagged
    await client.close()


async def test_authenticate_plain_initial_response_continuation_and_failures(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect()
    wrong = await client.cmd(f"AUTHENTICATE PLAIN {plain(account.address, 'nope')}")
    assert wrong.status.startswith(b"NO [AUTHENTICATIONFAILED]")
    await client.send("c1 AUTHENTICATE PLAIN\r\n")
    assert await client.line() == b"+ "
    await client.send("*\r\n")
    assert (await client.reply("c1")).status.startswith(b"BAD")
    other = await client.cmd(f"AUTHENTICATE PLAIN {plain(account.address, PASSWORD, 'x@y')}")
    assert other.status.startswith(b"NO [AUTHORIZATIONFAILED]")
    await client.send("c2 AUTHENTICATE PLAIN\r\n")
    assert await client.line() == b"+ "
    await client.send(plain(account.address, PASSWORD) + "\r\n")
    assert (await client.reply("c2")).ok
    await client.ok("SELECT INBOX")
    await client.close()

    again = await imap_stack.connect()
    await again.ok(f"AUTHENTICATE PLAIN {plain(account.address, PASSWORD, account.address)}")
    await again.close()


async def test_commands_in_the_wrong_state_unknown_or_malformed(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect()
    for command in ("SELECT INBOX", "FETCH 1 FLAGS", 'LIST "" *', "IDLE"):
        assert (await client.cmd(command)).status.startswith(b"BAD"), command
    assert (await client.cmd("FROBNICATE")).status.startswith(b"BAD")
    assert (await client.cmd('LOGIN "unterminated')).status.startswith(b"BAD")
    assert (await client.cmd("LOGIN one")).status.startswith(b"BAD")
    await client.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
    assert (await client.cmd("LOGIN a b")).status.startswith(b"BAD")
    assert (await client.cmd("STARTTLS")).status.startswith(b"BAD")
    for command in (
        "FETCH 1 FLAGS",
        "STORE 1 +FLAGS (\\Seen)",
        "EXPUNGE",
        "CLOSE",
        "UID FETCH 1 UID",
    ):
        assert (await client.cmd(command)).status.startswith(b"BAD"), command
    assert (await client.cmd("UID FROB 1")).status.startswith(b"BAD")
    assert (await client.cmd("SELECT Nowhere")).status.startswith(b"NO [NONEXISTENT]")
    await client.ok("SELECT INBOX")
    assert (await client.cmd("FETCH 3 FLAGS")).status.startswith(b"BAD")  # no message 3
    assert (await client.cmd("FETCH 1 (FLAGS")).status.startswith(b"BAD")
    assert (await client.cmd("FETCH 1 BODY[NOPE]")).status.startswith(b"BAD")
    await client.close()


async def test_pipelined_commands_are_answered_in_order(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect()
    await client.send(
        f'p1 LOGIN "{account.address}" "{PASSWORD}"\r\np2 SELECT INBOX\r\n'
        'p3 NOOP\r\np4 LIST "" INBOX\r\np5 LOGOUT\r\n'
    )
    tags = []
    while True:
        line = await client.line()
        if line.startswith(b"p"):
            tags.append(line.split()[0:2])
        if line.startswith(b"p5"):
            break
    assert tags == [[f"p{n}".encode(), b"OK"] for n in range(1, 6)]
    await client.close()


async def test_limits_on_lines_and_literals(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    long = await client.cmd("NOOP " + "x" * 70_000)
    assert long.status.startswith(b"BAD [TOOBIG]")
    # A synchronising literal too large is refused before the client sends it.
    await client.send(b"L1 APPEND INBOX {60000000}\r\n")
    refused = await client.line()
    assert refused.startswith(b"L1 NO [TOOBIG]"), refused
    # Too large for a login literal, sent anyway (LITERAL+): read, dropped, refused.
    await client.send(b"L2 NOOP {1100000+}\r\n" + b"y" * 1_100_000 + b"\r\n")
    assert (await client.reply("L2")).status.startswith(b"BAD [TOOBIG]")
    await client.ok("NOOP")
    await client.close()


async def test_starttls_then_login_and_implicit_tls(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect(tls=True)
    caps = (await client.ok("CAPABILITY")).lines("CAPABILITY")[0].split()
    assert b"STARTTLS" not in caps and b"AUTH=PLAIN" in caps
    await client.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
    await client.ok("SELECT INBOX")
    await client.close()

    secure = await imap_stack.connect(implicit=True)
    assert b"STARTTLS" not in secure.greeted
    await secure.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
    assert (await secure.cmd("STARTTLS")).status.startswith(b"BAD")
    await secure.close()


async def test_plaintext_login_is_refused_off_loopback_until_starttls(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    async with own_listener(imap_stack, plaintext_on_loopback=False) as listener:
        client = await converse(listener.port)
        assert b"LOGINDISABLED" in client.greeted and b"AUTH=PLAIN" not in client.greeted
        login = await client.cmd(f'LOGIN "{account.address}" "{PASSWORD}"')
        assert login.status.startswith(b"NO [PRIVACYREQUIRED]")
        sasl = await client.cmd(f"AUTHENTICATE PLAIN {plain(account.address, PASSWORD)}")
        assert sasl.status.startswith(b"NO [PRIVACYREQUIRED]")
        await client.starttls()
        caps = (await client.ok("CAPABILITY")).lines("CAPABILITY")[0].split()
        assert b"AUTH=PLAIN" in caps and b"LOGINDISABLED" not in caps
        await client.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
        await client.close()


async def test_starttls_ignores_commands_sent_before_the_handshake(imap_stack: ImapStack) -> None:
    async with own_listener(imap_stack, plaintext_on_loopback=False) as listener:
        client = await converse(listener.port)
        # A command injected after STARTTLS in the same packet must not run under TLS.
        await client.send(b"s1 STARTTLS\r\ns2 CAPABILITY\r\n")
        assert (await client.reply("s1")).ok
        await client.writer.start_tls(client_context())
        reply = await client.cmd("NOOP")
        assert reply.ok and not reply.lines("CAPABILITY")
        await client.close()


async def test_repeated_failures_lock_the_address_out(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect()
    for _ in range(3):
        wrong = await client.cmd(f'LOGIN "{account.address}" "wrong password"')
        assert wrong.status.startswith(b"NO [AUTHENTICATIONFAILED]")
    locked = await client.cmd(f'LOGIN "{account.address}" "{PASSWORD}"')
    assert locked.status.startswith(b"NO [UNAVAILABLE]"), locked.text()
    assert (await client.cmd("SELECT INBOX")).status.startswith(b"BAD")
    await client.close()
    other = await imap_stack.account()
    await (await imap_stack.login(other)).close()  # other addresses are not affected


async def test_id_enable_namespace(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.connect()
    ident = await client.ok('ID ("name" "test-client" "version" "1")')
    assert ident.lines("ID (") and b'"Bureau"' in ident.lines("ID (")[0]
    assert (await client.cmd("ENABLE IMAP4rev2")).status.startswith(b"BAD")  # not logged in
    await client.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
    declined = await client.ok("ENABLE UTF8=ACCEPT")
    assert declined.lines("ENABLED") == [b"ENABLED"]
    enabled = await client.ok("ENABLE IMAP4rev2")
    assert enabled.lines("ENABLED") == [b"ENABLED IMAP4rev2"]
    namespace = await client.ok("NAMESPACE")
    assert namespace.lines("NAMESPACE") == [b'NAMESPACE (("" "/")) NIL NIL']
    selected = await client.ok("SELECT INBOX")
    assert not selected.lines("0 RECENT") and selected.lines('LIST () "/" INBOX')
    await client.close()


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    traced = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not traced, [r.getMessage() for r in traced]


@pytest.mark.parametrize(
    "command",
    ["LOGIN", "LOGIN " + "(" * 600, "LOGIN a " + "(" * 40 + ")" * 40, "ID " + "(" * 600],
)
async def test_bad_commands_before_login_are_bad_and_the_connection_stays(
    imap_stack: ImapStack, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = await imap_stack.connect()
    assert (await client.cmd(command)).status.startswith(b"BAD")
    await client.ok("NOOP")
    await client.close()
    no_traceback(caplog)


@pytest.mark.parametrize(
    "command",
    [
        "FETCH 1 " + "(" * 600,
        "FETCH 1 (" + "(" * 40 + "FLAGS" + ")" * 41,
        "STORE 1 FLAGS " + "(" * 600,
        "SEARCH " + "NOT " * 2000 + "ALL",
        "SEARCH " + "OR ALL " * 2000 + "ALL",
        "SEARCH " + "(" * 300 + "ALL" + ")" * 300,
        "UID SEARCH " + "(NOT " * 300 + "ALL" + ")" * 300,
    ],
)
async def test_deep_nesting_in_a_command_is_bad_and_the_connection_stays(
    imap_stack: ImapStack, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok("SELECT INBOX")
    reply = await client.cmd(command)
    assert reply.status.startswith(b"BAD"), reply.text()
    await client.ok("NOOP")
    await client.close()
    no_traceback(caplog)


async def test_nesting_within_the_limits_is_fine(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok("SELECT INBOX")
    await client.ok("SEARCH " + "(" * 20 + "ALL" + ")" * 20)
    await client.ok("SEARCH " + "OR UNSEEN " * 90 + "ALL")
    await client.ok("SEARCH " + "NOT " * 90 + "ALL")
    await client.close()


async def test_list_patterns_of_many_wildcards_answer_at_once(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "' + "a" * 60 + '"')
    assert not (await client.ok('LIST "" "' + "*a" * 300 + 'b"', timeout=5)).lines("LIST")
    [listed] = (await client.ok('LIST "" "' + "%a" * 30 + '*"', timeout=5)).lines("LIST")
    assert listed.endswith(b"a" * 60)
    await client.close()


async def test_mailboxes_nest_only_as_deep_as_folders_do(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    deepest = "/".join(["a"] * MAX_FOLDER_DEPTH)
    await client.ok(f'CREATE "{deepest}"')
    for command in (f'CREATE "{deepest}/b"', f'RENAME INBOX "{"/".join(["b"] * 3000)}"'):
        assert (await client.cmd(command)).status.startswith(b"NO [LIMIT]")
    listed = (await client.ok('LIST "" "*"')).lines("LIST")
    assert len(listed) == 6 + MAX_FOLDER_DEPTH  # the system folders and the a/a/… chain
    await client.close()


async def test_names_a_response_cannot_encode_or_that_hold_line_ends_stay_one_line(
    imap_stack: ImapStack, caplog: pytest.LogCaptureFixture
) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    for name in (b"\xff\xfe", b"a\r\n* BYE injected", b"x\rz"):
        tag = client.next_tag()
        await client.send(tag.encode() + b" SELECT {%d+}\r\n" % len(name) + name + b"\r\n")
        reply = await client.reply(tag)
        assert reply.status.startswith((b"NO", b"BAD")), reply.text()
        assert not reply.untagged, reply.text()  # nothing the name could have added
    await client.send(b"q GETQUOTAROOT {2+}\r\n\xff\xfe\r\n")
    assert (await client.reply("q")).status.startswith((b"NO", b"BAD"))
    await client.ok("NOOP")
    await client.close()
    no_traceback(caplog)


async def test_autologout_and_goodbye_when_the_server_stops(
    imap_stack: ImapStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await imap_stack.account()
    monkeypatch.setattr(imap_session, "LOGIN_TIMEOUT", 0.3)
    async with own_listener(imap_stack) as listener:
        idle = await converse(listener.port)
        assert (await idle.line()).startswith(b"* BYE Autologout")
        await idle.close()

        waiting = await converse(listener.port)
        await waiting.ok(f'LOGIN "{account.address}" "{PASSWORD}"')
        await waiting.ok("SELECT INBOX")
        stopping = asyncio.create_task(listener.stop())
        assert (await waiting.line()).startswith(b"* BYE")
        await stopping
        await waiting.close()
