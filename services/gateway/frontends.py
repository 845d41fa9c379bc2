"""What the gateway's mail front ends (IMAP, POP3) are given, and what they give back:
listeners the gateway service starts and stops with the HTTP API."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Protocol

from services.gateway.changes import ChangeFeed
from services.gateway.metrics import GatewayMetrics
from services.gateway.settings import GatewaySettings
from shared.ports import BlobStore, SearchIndex
from shared.ports.uses import GatewayMailbox
from shared.runtime.login import PasswordLogin
from shared.runtime.metrics import Registry


@dataclass(frozen=True)
class FrontEnd:
    settings: GatewaySettings
    mailbox: GatewayMailbox
    blobs: BlobStore
    index: SearchIndex
    login: PasswordLogin  # shared with the HTTP API: one lockout across protocols
    tls: ssl.SSLContext
    changes: ChangeFeed
    metrics: GatewayMetrics = field(default_factory=lambda: GatewayMetrics(Registry()))


class Listener(Protocol):
    async def start(self) -> None:
        """Bind and serve; return once listening."""
        ...

    async def stop(self) -> None:
        """Stop accepting, close sessions (with the protocol's goodbye), return when done."""
        ...

    def describe(self) -> str:
        """One line for `bureau run`, e.g. "IMAP  127.0.0.1:2143 (STARTTLS)"."""
        ...
