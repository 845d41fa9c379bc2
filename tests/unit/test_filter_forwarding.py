"""Loop protection of forwarding filters."""

from __future__ import annotations

from services.filters.forwarding import MAX_HOPS, TRACE, already_forwarded, traced
from shared.mail.mime import parse_message


def test_a_trace_is_put_on_top_and_recognised() -> None:
    raw = b"From: bob@example.net\r\nSubject: hi\r\n\r\nbody\r\n"
    once = traced(raw, "alice@example.test")
    assert once == b"X-Bureau-Forwarded: alice@example.test\r\n" + raw
    headers = parse_message(once).headers
    assert already_forwarded(headers, "Alice@Example.test")
    assert not already_forwarded(headers, "bob@example.test")
    assert traced(b"Subject: x\n\nbody\n", "a@b.test").startswith(b"X-Bureau-Forwarded: a@b.test\n")


def test_too_many_hops_stop_any_forward() -> None:
    headers = [(TRACE, f"user{i}@example.test") for i in range(MAX_HOPS)]
    assert already_forwarded(headers, "someone-else@example.test")
    assert not already_forwarded(headers[:-1], "someone-else@example.test")
