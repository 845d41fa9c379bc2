"""IMAP4rev1 / IMAP4rev2 front end (RFC 3501, RFC 9051)."""

from __future__ import annotations

from services.gateway.frontends import FrontEnd, Listener
from services.gateway.imap.server import listeners_for


def listeners(front: FrontEnd) -> list[Listener]:
    """The IMAP listeners: STARTTLS on `imap_listen`, implicit TLS on `imaps_listen`."""
    return list(listeners_for(front))
