"""Trace fields added at reception (RFC 5321 §4.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from services.ingest.trace import trace_header

WHEN = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def header(**overrides: object) -> bytes:
    fields: dict[str, object] = {
        "mail_from": "bob@example.net", "helo": "client.example.net", "peer_ip": "192.0.2.7",
        "hostname": "mx.example.test", "protocol": "ESMTP", "queue_id": "q1",
        "recipients": ["alice@example.test"], "when": WHEN,
    }  # fmt: skip
    fields.update(overrides)
    return trace_header(**fields)  # type: ignore[arg-type]


def test_received_and_return_path_parse_as_headers() -> None:
    parsed = message_from_bytes(header() + b"Subject: hi\r\n\r\nbody\r\n", policy=policy.default)
    assert parsed["Return-Path"] == "<bob@example.net>"
    received = " ".join(str(parsed["Received"]).split())
    assert received.startswith("from client.example.net ([192.0.2.7]) by mx.example.test")
    assert "with ESMTP id q1 for <alice@example.test>;" in received
    assert received.endswith("Sat, 28 Nov 2026 10:00:00 +0000")
    assert parsed["Subject"] == "hi"


def test_several_recipients_are_not_named_and_null_sender_kept() -> None:
    raw = header(recipients=["a@example.test", "b@example.test"], mail_from="")
    assert b" for <" not in raw and raw.startswith(b"Return-Path: <>\r\n")


def test_client_supplied_names_cannot_inject_headers() -> None:
    raw = header(helo="evil\r\nX-Injected: yes", mail_from="a@b\r\nBcc: c@d")
    assert all(
        line.startswith((b"Return-Path:", b"Received:", b"\t"))
        for line in raw.split(b"\r\n")
        if line
    )
