"""Commands of any state and of login: CAPABILITY, NOOP, LOGOUT, ID, ENABLE, STARTTLS,
LOGIN, AUTHENTICATE PLAIN (RFC 3501 §6.1-6.2, RFC 4959 SASL-IR, RFC 2971, RFC 5161)."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.tokens import Atom, text_of
from shared.runtime.login import LoginFailed, LoginThrottled

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

SERVER_ID = '("name" "Bureau" "vendor" "Bureau" "support-url" "https://bureau.example")'


async def capability(session: Session, command: Command) -> str | None:
    session.out.untagged("CAPABILITY " + " ".join(session.capabilities()))
    return None


async def noop(session: Session, command: Command) -> str | None:
    return None  # the session reports what changed before answering


async def logout(session: Session, command: Command) -> str | None:
    session.out.untagged("BYE Logging out")
    session.out.tagged(command.tag, "OK LOGOUT completed")
    session.logged_out = True
    return None


async def id_(session: Session, command: Command) -> str | None:
    if len(command.args) != 1 or not (
        isinstance(command.args[0], list) or command.args[0] == Atom("NIL")
    ):
        raise Bad("ID takes a parameter list or NIL")
    session.out.untagged("ID " + SERVER_ID)
    return None


async def enable(session: Session, command: Command) -> str | None:
    if not command.args:
        raise Bad("ENABLE needs capability names")
    enabled: list[str] = []
    for token in command.args:
        name = text_of(token).upper()
        if name == "IMAP4REV2" and not session.rev2:
            session.rev2 = True
            enabled.append("IMAP4rev2")
        # UTF8=ACCEPT and others are declined: not listed in ENABLED (RFC 5161 §3.1).
    session.out.untagged(" ".join(["ENABLED", *enabled]))
    return None


async def starttls(session: Session, command: Command) -> str | None:
    if command.args:
        raise Bad("STARTTLS takes no arguments")
    if session.tls or session.starttls_context is None:
        raise Bad("TLS is already active" if session.tls else "STARTTLS is not offered here")
    session.out.tagged(command.tag, "OK Begin TLS negotiation now")
    session.responded = True
    await session.out.flush()
    # RFC 3501 §6.2.1: nothing the client sent before the handshake may be used after it.
    session.reader.discard_pending()
    await session.out.writer.start_tls(session.starttls_context)
    session.tls = True
    return None


async def login(session: Session, command: Command) -> str | None:
    if len(command.args) != 2:
        raise Bad("LOGIN takes a user name and a password")
    if not session.plaintext_allowed():
        raise No(
            "Plaintext authentication disallowed on non-secure connections; use STARTTLS",
            "PRIVACYREQUIRED",
        )
    user, password = (text_of(a) for a in command.args)
    return await _authenticate(session, user, password)


async def authenticate(session: Session, command: Command) -> str | None:
    if not command.args or len(command.args) > 2:
        raise Bad("AUTHENTICATE takes a mechanism and an optional initial response")
    if text_of(command.args[0]).upper() != "PLAIN":
        raise No("Unsupported authentication mechanism", "CANNOT")
    if not session.plaintext_allowed():
        raise No(
            "Plaintext authentication disallowed on non-secure connections; use STARTTLS",
            "PRIVACYREQUIRED",
        )
    if len(command.args) == 2:
        answer = text_of(command.args[1]).encode("ascii", "replace")
    else:
        session.out.continuation()
        await session.out.flush()
        line = await session.reader.read_line()
        if line is None:
            raise Bad("Authentication data too long")
        answer = line.strip()
    if answer == b"*":
        raise Bad("Authentication cancelled")
    try:
        decoded = b"" if answer == b"=" else base64.b64decode(answer, validate=True)
        authzid, authcid, password = decoded.decode("utf-8").split("\x00")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Bad("Invalid SASL PLAIN response") from None
    if authzid and authzid.lower() != authcid.lower():
        raise No("Acting as another user is not allowed", "AUTHORIZATIONFAILED")
    return await _authenticate(session, authcid, password)


async def _authenticate(session: Session, user: str, password: str) -> str:
    try:
        account = await session.front.login.login(user, password, session.peer, "IMAP")
    except LoginThrottled as throttled:
        raise No(
            f"Too many failed logins; try again in {throttled.retry_after} s", "UNAVAILABLE"
        ) from None
    except LoginFailed:
        raise No("Authentication failed", "AUTHENTICATIONFAILED") from None
    session.logged_in(account)
    return f"[CAPABILITY {' '.join(session.capabilities())}] Logged in"
