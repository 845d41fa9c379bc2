"""Trace fields an SMTP server adds when it takes a message (RFC 5321 §4.4): a Received
line naming the client and this server, and — since ingest makes the final delivery —
the Return-Path with the envelope sender. Submitted mail gets a Received line of its own,
without the client."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import format_datetime

_UNSAFE = re.compile(r"[^\x21-\x7e]")  # HELO names and addresses are printed as ASCII atoms


def _clean(text: str) -> str:
    return _UNSAFE.sub("", text)[:255]


def trace_header(
    *,
    mail_from: str,
    helo: str,
    peer_ip: str,
    hostname: str,
    protocol: str,
    queue_id: str,
    recipients: list[str],
    when: datetime,
) -> bytes:
    """The header lines to put before a received message, CRLF-terminated."""
    # A single recipient is named ("for"); several are not, so one copy of a multi-recipient
    # message does not tell each recipient who else received it.
    target = f"\r\n\tfor <{_clean(recipients[0])}>" if len(recipients) == 1 else ""
    received = (
        f"Received: from {_clean(helo) or 'unknown'} ([{_clean(peer_ip)}])\r\n"
        f"\tby {_clean(hostname)} (Bureau) with {protocol} id {queue_id}{target};\r\n"
        f"\t{format_datetime(when)}\r\n"
    )
    return f"Return-Path: <{_clean(mail_from)}>\r\n{received}".encode("ascii")


def submission_received(*, hostname: str, protocol: str, queue_id: str, when: datetime) -> bytes:
    """The Received line put before a message a user submits (every server that takes
    a message adds one, RFC 5321 §4.4): this server and the queue id, not the client.

    The user's IP address and HELO name (often the computer's name) would tell every
    recipient where the user is and what they use, so they are left out, as the "from"
    clause may be (RFC 5322 §3.6.7); the log keeps the IP address for the operator."""
    return (
        f"Received: by {_clean(hostname)} (Bureau) with {protocol} id {queue_id};\r\n"
        f"\t{format_datetime(when)}\r\n"
    ).encode("ascii")
