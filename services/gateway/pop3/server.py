"""POP3 listeners: STLS on `pop3_listen`, implicit TLS on `pop3s_listen` (RFC 8314)."""

from __future__ import annotations

import asyncio

from services.gateway.frontends import FrontEnd
from services.gateway.listening import SessionListener
from services.gateway.pop3.connection import MAX_LINE, Connection
from services.gateway.pop3.maildrop import MaildropLocks
from services.gateway.pop3.session import Session

IDLE_TIMEOUT = 600.0  # RFC 1939 §3: an autologout timer of at least 10 minutes


def pop3_listener(
    front: FrontEnd, listen: str, *, implicit_tls: bool, locks: MaildropLocks
) -> SessionListener:
    def new_session(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: str
    ) -> Session:
        connection = Connection(
            reader, writer, secure=implicit_tls, idle_timeout=IDLE_TIMEOUT, peer=client
        )
        return Session(front, connection, locks)

    return SessionListener(
        protocol="POP3",
        listen=listen,
        tls=front.tls if implicit_tls else None,
        mode="TLS" if implicit_tls else "STLS",
        new_session=new_session,
        line_limit=MAX_LINE,
        proxies=front.settings.proxies,
    )
