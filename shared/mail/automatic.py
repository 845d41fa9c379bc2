"""Mail sent by programs, and above all by Bureau itself (RFC 3834).

Every message Bureau writes on its own — new-mail notifications, vacation replies,
bounces (RFC 3464), read receipts (RFC 8098), forwarding-loop warnings — carries
`Auto-Submitted` (RFC 3834 §5) and Bureau's own mark, `X-Bureau-Generated: <kind>`
(`generated_fields`). Such mail may be filed, tagged or flagged by the filters like any
other, but it never triggers a notification, a vacation reply or a forward, on any path
(`is_generated`): one notification matched by a user's "notify me" filter would
otherwise notify about itself without end, and two Bureau accounts forwarding to each
other would pass their warnings back and forth.

`is_automatic` is the wider RFC 3834 test — any program's mail, lists and bulk mail
included — that keeps new-mail notifications by preference and vacation replies away.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

GENERATED_HEADER = "X-Bureau-Generated"
# Notifications of earlier releases carried only this mark: still recognised.
LEGACY_NOTIFICATION_HEADER = "X-Bureau-Notification"

Kind = Literal["notification", "vacation", "bounce", "receipt", "forward-warning"]

# RFC 3834 §5: replies to a message are "auto-replied", everything else "auto-generated".
_AUTO_SUBMITTED: dict[str, str] = {
    "notification": "auto-generated",
    "vacation": "auto-replied",
    "bounce": "auto-replied",
    "receipt": "auto-replied",
    "forward-warning": "auto-generated",
}
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})

Headers = Iterable[tuple[str, str]]


def generated_fields(kind: Kind) -> list[str]:
    """The header fields (without line ends) that mark a message Bureau generates."""
    return [f"Auto-Submitted: {_AUTO_SUBMITTED[kind]}", f"{GENERATED_HEADER}: {kind}"]


def generated_header(kind: Kind) -> bytes:
    """`generated_fields` as header lines to put before a built message's own."""
    return "".join(f"{field}\r\n" for field in generated_fields(kind)).encode("ascii")


def _first(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def auto_submitted(headers: Headers) -> bool:
    """`Auto-Submitted` present with a value other than "no" (RFC 3834 §5)."""
    value = _first(headers, "Auto-Submitted")
    return value is not None and value.split(";")[0].strip().lower() != "no"


def is_generated(headers: Headers) -> bool:
    """Whether Bureau wrote this message itself: it never triggers notifications,
    vacation replies or forwards. A message carrying Bureau's mark without
    `Auto-Submitted` is not believed (the mark alone could be pasted on anything)."""
    fields = list(headers)
    if not auto_submitted(fields):
        return False
    return any(k.lower() in _MARKS for k, _ in fields)


_MARKS = frozenset({GENERATED_HEADER.lower(), LEGACY_NOTIFICATION_HEADER.lower()})


def is_automatic(headers: Headers) -> bool:
    """Sent by a program: Auto-Submitted other than "no" (RFC 3834 §5), Precedence bulk,
    list or junk, or a mailing list's List-Id (RFC 2919)."""
    fields = list(headers)
    if auto_submitted(fields):
        return True
    precedence = _first(fields, "Precedence")
    if precedence is not None and precedence.strip().lower() in _BULK_PRECEDENCE:
        return True
    return _first(fields, "List-Id") is not None
