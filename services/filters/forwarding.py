"""Loop protection of forwarding filters (F56): each forward puts a trace field on the
copy it sends, naming the forwarding account; a message that already carries this
account's trace, or too many traces, is not forwarded again but kept in the mailbox.

So two accounts forwarding to each other pass each message at most once each.
"""

from __future__ import annotations

TRACE = "X-Bureau-Forwarded"
MAX_HOPS = 5  # traces after which nothing forwards the message any more


def already_forwarded(headers: list[tuple[str, str]], address: str) -> bool:
    """Whether this account forwarded the message before, or it went round too often."""
    traces = [value.strip().lower() for name, value in headers if name.lower() == TRACE.lower()]
    return address.lower() in traces or len(traces) >= MAX_HOPS


def traced(raw: bytes, address: str) -> bytes:
    """The message with this account's trace on top (the rest unchanged)."""
    linesep = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
    return f"{TRACE}: {address}".encode() + linesep + raw
