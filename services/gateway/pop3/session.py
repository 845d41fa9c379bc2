"""One POP3 session: the AUTHORIZATION and TRANSACTION states and their commands
(RFC 1939), CAPA and response codes (RFC 2449, RFC 3206), STLS (RFC 2595), AUTH PLAIN
(RFC 5034, RFC 4616).

Passwords travel in the clear inside USER/PASS and AUTH PLAIN, so, like Dovecot's
`disable_plaintext_auth` default, both are accepted only over TLS (STLS or the implicit
TLS port) or from a loopback address. A proxy on the same machine that does not pass the
client's address on (a trusted proxy's PROXY header does) makes every client look local:
put such proxies in front of the TLS port only.
"""

from __future__ import annotations

import binascii
import enum
import logging
from base64 import b64decode
from collections.abc import Awaitable, Callable

from services.gateway.frontends import FrontEnd
from services.gateway.pop3 import wire
from services.gateway.pop3.connection import (
    Closed,
    Connection,
    IdleTimeout,
    PlaintextInjection,
)
from services.gateway.pop3.maildrop import Entry, Gone, Maildrop, MaildropLocks
from shared.model import Account
from shared.ports.leases import Lease
from shared.runtime.login import LoginFailed, LoginThrottled

log = logging.getLogger("bureau.gateway.pop3")

MAX_BAD_COMMANDS = 20  # in a row; then the connection is closed
MAX_LOGIN_FAILURES = 5  # per connection; the shared throttle counts across connections


class State(enum.Enum):
    AUTHORIZATION = "authorization"
    TRANSACTION = "transaction"
    DONE = "done"


class Session:
    def __init__(self, front: FrontEnd, connection: Connection, locks: MaildropLocks) -> None:
        self._front = front
        self._conn = connection
        self._locks = locks
        self.state = State.AUTHORIZATION
        self._user: str | None = None  # the USER that PASS completes
        self._account: Account | None = None
        self._lease: Lease | None = None  # the maildrop lock, while logged in
        self._maildrop: Maildrop | None = None
        self._bad = 0
        self._login_failures = 0
        self._busy = False
        self._stopping = False
        handlers: dict[str, Callable[[str], Awaitable[None]]] = {
            "CAPA": self._capa,
            "QUIT": self._quit,
        }
        self._authorization = handlers | {
            "USER": self._user_command,
            "PASS": self._pass,
            "AUTH": self._auth,
            "STLS": self._stls,
        }
        self._transaction = handlers | {
            "STAT": self._stat,
            "LIST": self._list,
            "UIDL": self._uidl,
            "RETR": self._retr,
            "TOP": self._top,
            "DELE": self._dele,
            "RSET": self._rset,
            "NOOP": self._noop,
        }

    # --- running ---------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self._ok(f"{self._front.settings.mail_hostname} Bureau POP3 server ready")
            while self.state is not State.DONE:
                try:
                    line = await self._conn.read_line()
                except IdleTimeout:
                    await self._err("Autologout; idle for too long")
                    return
                self._busy = True
                try:
                    await self._command(line)
                except Closed:
                    raise
                except Exception:
                    log.exception("POP3 command failed (account %s)", self._account_id())
                    await self._err("[SYS/TEMP] Internal error, try again later")
                    return
                finally:
                    self._busy = False
                if self._stopping and self.state is not State.DONE:
                    await self._err("[SYS/TEMP] Server shutting down")
                    return
        except Closed:
            pass
        finally:
            if self._lease is not None:
                await self._lease.release()
            await self._conn.closed()

    def stop(self) -> None:
        """The server stops: a session waiting for a command says goodbye now; one busy
        with a command finishes it first. Deletions are not applied (no QUIT)."""
        self._stopping = True
        if not self._busy and self.state is not State.DONE:
            self.state = State.DONE
            self._conn.write_nowait(b"-ERR [SYS/TEMP] Server shutting down\r\n")
            self._conn.close()

    async def _command(self, line: str | None) -> None:
        if line is None:
            await self._bad_command("Line too long")
            return
        if self._lease is not None and self._lease.lost:
            # Our lock ran out (NATS was away longer than its TTL) and another session
            # took the maildrop: nothing more here, and no deletions applied.
            self.state = State.DONE
            await self._err("[IN-USE] Maildrop lock lost to another session; no changes made")
            return
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        handlers = self._authorization if self.state is State.AUTHORIZATION else self._transaction
        handler = handlers.get(keyword)
        if handler is not None:
            with self._front.metrics.command("pop3", keyword):
                await handler(argument)
        elif keyword in self._authorization or keyword in self._transaction:
            await self._bad_command("Command not valid in this state")
        else:
            await self._bad_command("Unknown command")

    # --- responses -------------------------------------------------------------------
    async def _ok(self, text: str, body: bytes | None = None) -> None:
        """+OK, then the CRLF lines of a multi-line response if there is a `body`."""
        self._bad = 0  # like Dovecot, only bad commands in a row end the session
        response = (f"+OK {text}" if text else "+OK").encode() + b"\r\n"
        if body is None:
            await self._conn.send(response)
        else:
            await self._conn.send(response, wire.stuffed(body), wire.TERMINATOR)

    async def _err(self, text: str) -> None:
        await self._conn.send(f"-ERR {text}\r\n".encode())

    async def _bad_command(self, text: str) -> None:
        self._bad += 1
        if self._bad >= MAX_BAD_COMMANDS:
            await self._err(f"{text}; too many bad commands, closing")
            self.state = State.DONE
        else:
            await self._err(text)

    # --- every state -----------------------------------------------------------------
    async def _capa(self, argument: str) -> None:
        capabilities = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if self._plaintext_allowed():
            capabilities += ["USER", "SASL PLAIN"]
        if self.state is State.AUTHORIZATION and not self._conn.secure:
            capabilities.append("STLS")
        capabilities.append("IMPLEMENTATION Bureau")
        listed = "".join(f"{c}\r\n" for c in capabilities).encode()
        await self._ok("Capability list follows", listed)

    async def _quit(self, argument: str) -> None:
        self.state = State.DONE
        if self._maildrop is None:
            await self._ok("Bureau POP3 server signing off")
            return
        try:
            update = await self._maildrop.commit()
        except Exception:
            log.exception("POP3 update failed for account %s", self._account_id())
            await self._err("[SYS/TEMP] Deleted messages not removed, try again later")
            return
        await self._ok(f"Bureau POP3 server signing off ({update.trashed} messages deleted)")

    # --- AUTHORIZATION ---------------------------------------------------------------
    def _plaintext_allowed(self) -> bool:
        return self._conn.secure or self._conn.loopback

    async def _refuse_plaintext(self) -> bool:
        if self._plaintext_allowed():
            return False
        await self._err("[AUTH] Plaintext authentication disallowed on non-secure connections")
        return True

    async def _user_command(self, argument: str) -> None:
        self._user = None
        if await self._refuse_plaintext():
            return
        name = argument.strip()
        if not name:
            await self._bad_command("USER needs a name")
            return
        self._user = name
        await self._ok("Send your password")

    async def _pass(self, argument: str) -> None:
        user, self._user = self._user, None
        if user is None:
            await self._bad_command("USER first")
            return
        await self._login(user, argument)

    async def _auth(self, argument: str) -> None:
        self._user = None
        mechanism, _, initial = argument.strip().partition(" ")
        if not mechanism:  # the pre-RFC 5034 listing some clients still ask for
            await self._ok("Mechanisms follow", b"PLAIN\r\n")
            return
        if mechanism.upper() != "PLAIN":
            await self._err("Unsupported authentication mechanism")
            return
        if await self._refuse_plaintext():
            return
        if not initial:
            await self._conn.send(b"+ \r\n")
            line = await self._conn.read_line()
            if line is None:
                await self._bad_command("Line too long")
                return
            if line.strip() == "*":
                await self._err("Authentication cancelled")
                return
            initial = line
        credentials = _plain_credentials(initial.strip())
        if credentials is None:
            await self._bad_command("Invalid AUTH PLAIN response")
            return
        await self._login(*credentials)

    async def _login(self, address: str, password: str) -> None:
        try:
            account = await self._front.login.login(address, password, self._conn.peer, "POP3")
        except LoginThrottled as throttled:
            # SYS/TEMP, not AUTH (RFC 3206 §4): the refusal passes with time and says
            # nothing of the credentials; AUTH would have the client ask for a password
            # that may well be right.
            await self._err(
                f"[SYS/TEMP] Too many failed logins; try again in {throttled.retry_after} seconds"
            )
            return
        except LoginFailed:
            self._login_failures += 1
            if self._login_failures >= MAX_LOGIN_FAILURES:
                await self._err("[AUTH] Authentication failed; too many failures, closing")
                self.state = State.DONE
            else:
                await self._err("[AUTH] Authentication failed")
            return
        lease = await self._locks.acquire(account.id)
        if lease is None:
            await self._err("[IN-USE] Mailbox is locked by another POP3 session")
            return
        try:
            maildrop = await Maildrop.open(self._front.mailbox, self._front.blobs, account.id)
        except Exception:
            await lease.release()
            log.exception("POP3 maildrop of account %s could not be opened", account.id)
            await self._err("[SYS/TEMP] Mailbox unavailable, try again later")
            return
        self._account, self._lease, self._maildrop = account, lease, maildrop
        self.state = State.TRANSACTION
        count, size = maildrop.stat()
        log.info("POP3 login of %r from %s", account.address, self._conn.peer)
        await self._ok(f"Logged in, {count} messages ({size} octets)")

    async def _stls(self, argument: str) -> None:
        if self._conn.secure:
            await self._bad_command("TLS already active")
            return
        self._user = None
        await self._ok("Begin TLS negotiation now")
        try:
            await self._conn.start_tls(self._front.tls)
        except PlaintextInjection:
            log.info("POP3 client %s sent commands after STLS in plaintext", self._conn.peer)
            raise

    # --- TRANSACTION -----------------------------------------------------------------
    def _drop(self) -> Maildrop:
        assert self._maildrop is not None
        return self._maildrop

    def _account_id(self) -> str:
        return self._account.id if self._account is not None else "-"

    async def _message(self, text: str) -> Entry | None:
        """The message a number names unless it is marked deleted; else an -ERR is sent."""
        if not (text.isascii() and text.isdigit()):
            await self._bad_command("Invalid message number")
            return None
        entry = self._drop().get(int(text))
        if entry is None:
            await self._err("No such message")
        return entry

    async def _arguments(self, argument: str, least: int, most: int) -> list[str] | None:
        words = argument.split()
        if not least <= len(words) <= most:
            await self._bad_command("Wrong number of arguments")
            return None
        return words

    async def _stat(self, argument: str) -> None:
        if await self._arguments(argument, 0, 0) is None:
            return
        count, size = self._drop().stat()
        await self._ok(f"{count} {size}")

    async def _list(self, argument: str) -> None:
        await self._scan(argument, lambda n, e: f"{n} {e.size}")

    async def _uidl(self, argument: str) -> None:
        await self._scan(argument, lambda n, e: f"{n} {e.id}")

    async def _scan(self, argument: str, line: Callable[[int, Entry], str]) -> None:
        words = await self._arguments(argument, 0, 1)
        if words is None:
            return
        if words:
            entry = await self._message(words[0])
            if entry is not None:
                await self._ok(line(int(words[0]), entry))
            return
        drop = self._drop()
        count, size = drop.stat()
        listed = "".join(f"{line(n, e)}\r\n" for n, e in drop.listing()).encode()
        await self._ok(f"{count} messages ({size} octets)", listed)

    async def _retr(self, argument: str) -> None:
        words = await self._arguments(argument, 1, 1)
        entry = None if words is None else await self._message(words[0])
        data = None if entry is None else await self._content(entry)
        if entry is None or data is None:
            return
        entry.retrieved = True
        await self._ok(f"{entry.size} octets", data)

    async def _top(self, argument: str) -> None:
        words = await self._arguments(argument, 2, 2)
        entry = None if words is None else await self._message(words[0])
        if words is None or entry is None:
            return
        if not (words[1].isascii() and words[1].isdigit()):
            await self._bad_command("Invalid number of lines")
            return
        data = await self._content(entry)
        if data is not None:
            await self._ok("Top of message follows", wire.head(data, int(words[1])))

    async def _content(self, entry: Entry) -> bytes | None:
        """The message with CRLF line ends, or None after an -ERR if it is gone."""
        try:
            return wire.crlf(await self._drop().content(entry))
        except Gone:
            await self._err("Message was removed by another client")
            return None

    async def _dele(self, argument: str) -> None:
        words = await self._arguments(argument, 1, 1)
        entry = None if words is None else await self._message(words[0])
        if words is not None and entry is not None:
            entry.deleted = True
            await self._ok(f"Message {int(words[0])} deleted")

    async def _rset(self, argument: str) -> None:
        if await self._arguments(argument, 0, 0) is None:
            return
        drop = self._drop()
        drop.reset()
        count, size = drop.stat()
        await self._ok(f"Maildrop has {count} messages ({size} octets)")

    async def _noop(self, argument: str) -> None:
        if await self._arguments(argument, 0, 0) is not None:
            await self._ok("")


def _plain_credentials(response: str) -> tuple[str, str] | None:
    """(address, password) of a SASL PLAIN response (RFC 4616), None if malformed or
    asking to act as another user."""
    if response == "=":  # RFC 5034: an empty initial response
        return None
    try:
        decoded = b64decode(response, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    parts = decoded.split("\0")
    if len(parts) != 3:
        return None
    authzid, authcid, password = parts
    if not authcid or (authzid and authzid != authcid):
        return None
    return authcid, password
