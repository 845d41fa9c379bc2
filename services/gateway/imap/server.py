"""The IMAP listeners: plaintext with STARTTLS on `imap_listen`, implicit TLS on
`imaps_listen` (RFC 8314). Stopping one closes its port and says `* BYE` to every
session: at once to those waiting for a command, after the command to the others."""

from __future__ import annotations

import asyncio

from services.gateway.frontends import FrontEnd
from services.gateway.imap.session import Session
from services.gateway.listening import SessionListener


def imap_listener(
    front: FrontEnd, listen: str, *, implicit_tls: bool, plaintext_on_loopback: bool = True
) -> SessionListener:
    def new_session(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: str
    ) -> Session:
        return Session(
            front,
            reader,
            writer,
            tls=implicit_tls,
            starttls=None if implicit_tls else front.tls,
            plaintext_on_loopback=plaintext_on_loopback,
            peer=client,
        )

    return SessionListener(
        protocol="IMAP",
        listen=listen,
        tls=front.tls if implicit_tls else None,
        mode="implicit TLS" if implicit_tls else "STARTTLS",
        new_session=new_session,
        proxies=front.settings.proxies,
    )


def listeners_for(front: FrontEnd) -> list[SessionListener]:
    settings = front.settings
    return [
        imap_listener(front, settings.imap_listen, implicit_tls=False),
        imap_listener(front, settings.imaps_listen, implicit_tls=True),
    ]
