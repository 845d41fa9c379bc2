"""POP3 front end (RFC 1939, RFC 2449)."""

from __future__ import annotations

from services.gateway.frontends import FrontEnd, Listener


def listeners(front: FrontEnd) -> list[Listener]:
    """The POP3 listeners: STLS on `pop3_listen`, implicit TLS on `pop3s_listen`."""
    return []
