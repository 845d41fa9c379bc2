"""A real SMTP server (aiosmtpd) on loopback playing the smarthost or a remote MX, with
replies programmed per recipient, recording every message it accepts."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

from bureau.process import free_port


@dataclass
class Accepted:
    mail_from: str
    recipients: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Smarthost:
    """`script[recipient]` is the queue of RCPT replies to give that recipient, one per
    attempt; once empty (or for anyone else) the recipient is accepted."""

    port: int = field(default_factory=free_port)
    script: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    accepted: list[Accepted] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _server: asyncio.Server | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.attempts[address] += 1
        queue = self.script.get(address)
        if queue:
            return queue.popleft()
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.original_content, bytes)
        self.accepted.append(
            Accepted(envelope.mail_from or "", list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Ok: queued"

    def received_by(self, recipient: str) -> list[Accepted]:
        return [a for a in self.accepted if recipient in a.recipients]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="smarthost.example.net", loop=loop), "127.0.0.1", self.port
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
