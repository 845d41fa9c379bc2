"""POP3 front end (RFC 1939, RFC 2449, RFC 2595 STLS, RFC 5034 AUTH PLAIN).

`server.py` listens, `connection.py` reads bounded lines and upgrades to TLS,
`session.py` is the state machine and its commands, `maildrop.py` the Inbox snapshot of
a session and its per-account lock (shared by the replicas), `wire.py` the message bytes as sent.
"""

from __future__ import annotations

from services.gateway.frontends import FrontEnd, Listener
from services.gateway.pop3.maildrop import MaildropLocks
from services.gateway.pop3.server import pop3_listener
from shared.ports.leases import Leases


def listeners(front: FrontEnd, leases: Leases | None = None) -> list[Listener]:
    """The POP3 listeners: STLS on `pop3_listen`, implicit TLS on `pop3s_listen`. They
    share one maildrop lock, held in `leases` (every replica's): a session on either
    port of any replica keeps out sessions on all of them."""
    locks = MaildropLocks(leases)
    return [
        pop3_listener(front, front.settings.pop3_listen, implicit_tls=False, locks=locks),
        pop3_listener(front, front.settings.pop3s_listen, implicit_tls=True, locks=locks),
    ]
