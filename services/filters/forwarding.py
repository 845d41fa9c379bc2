"""Loop protection of forwarding (F56): each forward puts a trace field on the copy it
sends, naming the forwarding account; a message that already carries this account's
trace, or too many traces, is not forwarded again but kept in the mailbox.

So two accounts forwarding to each other pass each message at most once each. Other
systems' loops are caught by their trace fields: `Delivered-To` naming the account twice
(a message delivered here, sent away and back, and delivered again; once alone is only a
previous host's delivery, as when mail moves over from an old provider), or more
`Received` fields than a message crossing the Internet ever collects (RFC 5321 §6.3).
"""

from __future__ import annotations

TRACE = "X-Bureau-Forwarded"
MAX_HOPS = 5  # traces after which nothing forwards the message any more
MAX_DELIVERED = 2  # Delivered-To fields naming the account that make a loop
MAX_RECEIVED = 50  # Received fields: Postfix's hopcount_limit, a common threshold


def already_forwarded(headers: list[tuple[str, str]], address: str) -> bool:
    """Whether this account forwarded the message before, or it went round too often."""
    mine = address.strip().lower()
    traces: list[str] = []
    delivered = received = 0
    for name, value in headers:
        key = name.lower()
        if key == TRACE.lower():
            traces.append(value.strip().lower())
        elif key == "delivered-to":
            delivered += value.strip().strip("<>").lower() == mine
        elif key == "received":
            received += 1
    return (
        mine in traces
        or len(traces) >= MAX_HOPS
        or delivered >= MAX_DELIVERED
        or received >= MAX_RECEIVED
    )


def traced(raw: bytes, address: str) -> bytes:
    """The message with this account's trace on top (the rest unchanged)."""
    linesep = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
    return f"{TRACE}: {address}".encode() + linesep + raw
