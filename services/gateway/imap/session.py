"""One IMAP connection: its state (RFC 3501 §3), the command loop, and what commands share.

The loop reads a command, runs it, reports what changed in the selected mailbox, and
answers with the tagged response. Pipelined commands are read and answered in order. A
session idle longer than the autologout time (30 minutes once logged in, RFC 3501 §5.4)
is closed with `* BYE`, as is every session when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import ssl

from services.gateway.frontends import FrontEnd
from services.gateway.imap import wire
from services.gateway.imap.commands import COMMANDS
from services.gateway.imap.flags import Keywords
from services.gateway.imap.names import MailboxTree
from services.gateway.imap.parser import Command, CommandReader, Disconnected, Refusal
from services.gateway.imap.responses import Bad, No, Output, mailbox_name
from services.gateway.imap.selected import Selected
from services.gateway.imap.spec import AUTOLOGOUT, LOGIN_TIMEOUT, Spec, State
from services.gateway.imap.tokens import ImapSyntaxError, Token, text_of
from shared.model import Account

log = logging.getLogger(__name__)

APPENDLIMIT = 50 * 1024 * 1024

BASE_CAPABILITIES = (
    "IMAP4rev1",
    "IMAP4rev2",
    "LITERAL+",
    "SASL-IR",
    "ID",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "UIDPLUS",
    "MOVE",
    "UNSELECT",
    "CHILDREN",
    "SPECIAL-USE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "ESEARCH",
    "SEARCHRES",
    "STATUS=SIZE",
    "QUOTA",
    "QUOTA=RES-STORAGE",
    f"APPENDLIMIT={APPENDLIMIT}",
)


class Session:
    def __init__(
        self,
        front: FrontEnd,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        tls: bool,
        starttls: ssl.SSLContext | None,
        plaintext_on_loopback: bool = True,
        peer: str | None = None,
    ) -> None:
        self.front = front
        self.out = Output(writer)
        self.reader = CommandReader(reader, self._continue_literal, self._check_literal)
        self.tls = tls
        self.starttls_context = starttls
        # The client's address: the one a trusted proxy named, else the peer's.
        if peer is None:
            peername = writer.get_extra_info("peername")
            peer = str(peername[0]) if isinstance(peername, tuple) and peername else "unknown"
        self.peer = peer
        self._loopback_ok = plaintext_on_loopback and _is_loopback(self.peer)
        self.account: Account | None = None
        self.selected: Selected | None = None
        self.keywords: Keywords | None = None
        self.rev2 = False  # ENABLE IMAP4rev2: UTF-8 names, ESEARCH, no RECENT
        self.modseq = 0  # the highest journal modseq this session has seen
        self.logged_out = False
        self.stopping = asyncio.Event()
        self.responded = False  # the command wrote its tagged response itself (STARTTLS)
        self._busy = False
        self._task: asyncio.Task[None] | None = None

    # --- state ----------------------------------------------------------------------
    @property
    def state(self) -> State:
        if self.account is None:
            return State.NOT_AUTHENTICATED
        return State.SELECTED if self.selected is not None else State.AUTHENTICATED

    @property
    def account_id(self) -> str:
        assert self.account is not None
        return self.account.id

    def plaintext_allowed(self) -> bool:
        """Passwords in clear only over TLS, or from this machine (Dovecot's
        disable_plaintext_auth)."""
        return self.tls or self._loopback_ok

    def capabilities(self) -> list[str]:
        caps = list(BASE_CAPABILITIES)
        if self.account is None:
            if not self.tls and self.starttls_context is not None:
                caps.append("STARTTLS")
            caps.append("AUTH=PLAIN" if self.plaintext_allowed() else "LOGINDISABLED")
        return caps

    def logged_in(self, account: Account) -> None:
        self.account = account
        self.keywords = Keywords(self.front.mailbox, account.id)

    def require_selected(self) -> Selected:
        if self.selected is None:
            raise Bad("No mailbox selected")
        return self.selected

    async def tree(self) -> MailboxTree:
        return MailboxTree(await self.front.mailbox.folders(self.account_id))

    def name(self, name: str) -> bytes:
        """A mailbox name for a response."""
        return mailbox_name(name, utf8=self.rev2)

    def mailbox_arg(self, token: Token) -> str:
        """A mailbox name argument: UTF-8 after ENABLE IMAP4rev2, else modified UTF-7 (a
        name with 8-bit characters is taken as UTF-8 either way)."""
        text = text_of(token)
        if self.rev2 or not text.isascii():
            return text
        return wire.utf7_decode(text)

    # --- the loop -------------------------------------------------------------------
    async def run(self) -> None:
        self._task = asyncio.current_task()
        caps = " ".join(self.capabilities())
        self.out.untagged(f"OK [CAPABILITY {caps}] {self.front.settings.mail_hostname} ready")
        try:
            await self.out.flush()
            await self._loop()
        except asyncio.CancelledError:
            if not self.stopping.is_set():
                raise
            with contextlib.suppress(Exception):
                await self._bye("Server shutting down")
        except (Disconnected, ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            await self.close()

    async def _loop(self) -> None:
        while not self.logged_out:
            if self.stopping.is_set():
                await self._bye("Server shutting down")
                return
            try:
                async with asyncio.timeout(AUTOLOGOUT if self.account else LOGIN_TIMEOUT):
                    command = await self.reader.read_command()
            except TimeoutError:
                await self._bye("Autologout; idle for too long")
                return
            except Refusal as refusal:
                if refusal.tag:
                    self.out.tagged(refusal.tag, refusal.response)
                else:
                    self.out.untagged(refusal.response)
                await self.out.flush()
                if refusal.fatal:
                    return
                continue
            if command is not None:
                await self.execute(command)
            if self.selected is not None and self.selected.gone:
                await self._bye("Selected mailbox was deleted, have to disconnect")
                return

    async def _bye(self, text: str) -> None:
        self.out.untagged(f"BYE {text}")
        await self.out.flush()

    async def close(self) -> None:
        writer = self.out.writer
        with contextlib.suppress(Exception):
            writer.close()
            await asyncio.wait_for(writer.wait_closed(), 5)

    def stop(self) -> None:
        """Say goodbye: at once if waiting for a command, else once the command is done."""
        self.stopping.set()
        if not self._busy and self._task is not None:
            self._task.cancel()

    async def execute(self, command: Command) -> None:
        spec = COMMANDS.get(command.name)
        if command.name == "UID" and command.args and not isinstance(command.args[0], list):
            name = f"UID {text_of(command.args[0]).upper()}"
            spec = COMMANDS.get(name)
            command = Command(command.tag, name, command.args[1:])
        if spec is None:
            self.out.tagged(command.tag, "BAD Unknown command")
            await self.out.flush()
            return
        self._busy = True
        self.responded = False
        try:
            with self.front.metrics.command("imap", command.name):
                status = await self._run(spec, command)
        finally:
            self._busy = False
        if not self.logged_out and not self.responded:
            self.out.tagged(command.tag, status)
        await self.out.flush()

    async def _run(self, spec: Spec, command: Command) -> str:
        refusal = spec.refusal(self.state)
        if refusal is not None:
            return refusal
        try:
            text = await spec.handler(self, command)
            status = f"OK {text or command.name.removeprefix('UID ') + ' completed'}"
        except No as no:
            status = f"NO {no.text}"
        except Bad as bad:
            status = f"BAD {bad.text}"
        except ImapSyntaxError as error:
            status = f"BAD {error}"
        except (Disconnected, ConnectionError, OSError, ssl.SSLError):
            raise
        except Exception:
            log.exception("IMAP %s failed", command.name)
            status = "NO [SERVERBUG] Internal error; the administrator was told"
        if self.selected is not None and not self.logged_out:
            await self.selected.poll()
            self.modseq = max(self.modseq, self.selected.cursor)
            self.selected.report(self.out, expunges=spec.expunges)
        return status

    # --- literals ---------------------------------------------------------------------
    async def _continue_literal(self) -> None:
        self.out.continuation("Ready for literal data")
        await self.out.flush()

    async def _check_literal(self, command: str, size: int) -> str | None:
        if command != "APPEND" or self.account is None:
            return None
        quota = await self.front.mailbox.quota(self.account.id)
        if not quota.admits(size):
            return "NO [OVERQUOTA] Quota exceeded (mailbox full)"
        return None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False
