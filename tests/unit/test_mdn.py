"""Read receipts (RFC 8098 message disposition notifications), read back with the stdlib
parser."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from shared.mail.compose.mdn import build_mdn

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ORIGINAL = (
    b"Return-Path: <bob@example.net>\r\n"
    b"From: Bob <bob@example.net>\r\n"
    b"To: alice@bureau.test\r\n"
    b"Subject: Quarterly figures\r\n"
    b"Message-ID: <q1@example.net>\r\n"
    b"Disposition-Notification-To: bob@example.net\r\n"
    b"\r\n"
    b"BODY-MARKER: the figures are private.\r\n"
)


def mdn(**changes: Any) -> bytes:
    args: dict[str, Any] = {
        "account_address": "alice@bureau.test",
        "receipt_to": "bob@example.net",
        "original_subject": "Quarterly figures",
        "original_message_id": "<q1@example.net>",
        "original_header": ORIGINAL,
        "mode": "manual",
        "message_id": "<r1@bureau.test>",
        "date": WHEN,
    } | changes
    return build_mdn(**args)


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    return message


def parts(message: Message) -> list[EmailMessage]:
    payload = message.get_payload()
    assert isinstance(payload, list)
    assert all(isinstance(part, EmailMessage) for part in payload)
    return [part for part in payload if isinstance(part, EmailMessage)]


def report_fields(raw: bytes) -> dict[str, str]:
    """The message/disposition-notification part's fields (one block, RFC 8098 §3.1)."""
    report = parts(parse(raw))[1]
    assert report.get_content_type() == "message/disposition-notification"
    body = raw.split(b"Content-Type: message/disposition-notification\r\n\r\n", 1)[1]
    block = body.split(b"\r\n\r\n", 1)[0].split(b"\r\n--", 1)[0]
    return dict(line.decode().split(": ", 1) for line in block.split(b"\r\n") if line)


def test_a_receipt_is_a_disposition_report_in_three_parts() -> None:
    message = parse(mdn())

    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "disposition-notification"
    text, report, header = parts(message)
    assert text.get_content_type() == "text/plain"
    assert "alice@bureau.test" in text.get_content() and "Quarterly figures" in text.get_content()
    assert report.get_content_type() == "message/disposition-notification"
    assert header.get_content_type() == "text/rfc822-headers"


def test_the_header_goes_back_to_the_receipt_address_as_a_reply() -> None:
    message = parse(mdn())

    assert message["From"] == "alice@bureau.test"
    assert message["To"] == "bob@example.net"
    assert message["Subject"] == "Read: Quarterly figures"
    assert parsedate_to_datetime(message["Date"]) == WHEN
    assert message["Message-ID"] == "<r1@bureau.test>"
    assert message["In-Reply-To"] == "<q1@example.net>"
    assert message["References"] == "<q1@example.net>"
    assert message["Auto-Submitted"] == "auto-replied"
    # RFC 8098 §2.1: a receipt never asks for a receipt.
    assert "Disposition-Notification-To" not in message


def test_a_receipt_sent_by_the_user_says_so() -> None:
    fields = report_fields(mdn(mode="manual"))

    assert fields == {
        "Reporting-UA": "bureau.test; Bureau",
        "Final-Recipient": "rfc822; alice@bureau.test",
        "Original-Message-ID": "<q1@example.net>",
        "Disposition": "manual-action/MDN-sent-manually; displayed",
    }


def test_a_receipt_sent_by_the_preference_is_automatic() -> None:
    fields = report_fields(mdn(mode="automatic", original_recipient="rfc822;Alice@Bureau.test"))

    assert fields["Disposition"] == "automatic-action/MDN-sent-automatically; displayed"
    assert fields["Original-Recipient"] == "rfc822; Alice@Bureau.test"
    assert list(fields)[:3] == ["Reporting-UA", "Original-Recipient", "Final-Recipient"]


def test_only_the_original_header_is_returned() -> None:
    raw = mdn()
    header = parts(parse(raw))[2]

    returned = header.get_payload(decode=True)
    assert isinstance(returned, bytes)
    assert b"Subject: Quarterly figures\r\n" in returned and b"<q1@example.net>" in returned
    assert b"BODY-MARKER" not in raw


def test_without_the_original_there_are_two_parts_and_no_reference() -> None:
    message = parse(mdn(original_header=None, original_message_id=None))

    assert [p.get_content_type() for p in parts(message)] == [
        "text/plain",
        "message/disposition-notification",
    ]
    assert "In-Reply-To" not in message and "References" not in message
    assert "Original-Message-ID" not in report_fields(mdn(original_message_id="no id here"))


def test_a_non_ascii_subject_is_encoded_and_cannot_inject_fields() -> None:
    raw = mdn(original_subject="Réunion\r\nBcc: eve@evil.example")
    message = parse(raw)

    assert message["Subject"] == "Read: Réunion Bcc: eve@evil.example"
    assert raw.isascii() and "Bcc" not in message
    assert parse(mdn(original_subject=""))["Subject"] == "Read: (no subject)"


def test_the_same_receipt_gives_the_same_bytes() -> None:
    assert mdn() == mdn()
    assert mdn() != mdn(mode="automatic")


@pytest.mark.parametrize(
    "bad",
    [
        {"receipt_to": "not an address"},
        {"receipt_to": "bob@example.net\r\nBcc: eve@evil.example"},
        {"account_address": ""},
        {"message_id": "r1@bureau.test"},
    ],
)
def test_bad_arguments_from_bureau_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        mdn(**bad)
