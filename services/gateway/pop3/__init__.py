"""POP3 front end (RFC 1939, RFC 2449, RFC 2595 STLS, RFC 5034 AUTH PLAIN).

`server.py` listens, `connection.py` reads bounded lines and upgrades to TLS,
`session.py` is the state machine and its commands, `maildrop.py` the Inbox snapshot of
a session and its per-account lock, `wire.py` the message bytes as sent.
"""

from __future__ import annotations

from services.gateway.frontends import FrontEnd, Listener
from services.gateway.pop3.maildrop import MaildropLocks
from services.gateway.pop3.server import pop3_listener


def listeners(front: FrontEnd) -> list[Listener]:
    """The POP3 listeners: STLS on `pop3_listen`, implicit TLS on `pop3s_listen`. They
    share one maildrop lock: a session on either port keeps out sessions on both."""
    locks = MaildropLocks()
    return [
        pop3_listener(front, front.settings.pop3_listen, implicit_tls=False, locks=locks),
        pop3_listener(front, front.settings.pop3s_listen, implicit_tls=True, locks=locks),
    ]
