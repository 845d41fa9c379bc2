"""The new-mail notifications: the one-part SMS text and the notification e-mail."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from services.notify.notifications import email_notification, sender_name, sms_notification
from shared.mail.sms import parts_needed

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sender", "shown"),
    [
        ("Bob Martin <bob@example.net>", "Bob Martin"),
        ('"Martin, Bob" <bob@example.net>', "Martin, Bob"),
        ("bob@example.net", "bob@example.net"),
        ("<bob@example.net>", "bob@example.net"),
        ("", ""),
    ],
)
def test_sender_name(sender: str, shown: str) -> None:
    assert sender_name(sender) == shown


def test_short_sms_notification_is_whole() -> None:
    text = sms_notification("Bob Martin <bob@example.net>", "Lunch?")
    assert text == "New mail from Bob Martin: Lunch?"


def test_no_subject_and_no_sender() -> None:
    assert sms_notification("", "") == "New mail from unknown sender"


@pytest.mark.parametrize("subject", ["a long subject " * 20, "déjà vu, Grüße " * 20])
def test_long_sms_notification_is_cut_to_one_gsm_part(subject: str) -> None:
    text = sms_notification("Bob <bob@example.net>", subject)
    assert parts_needed(text) == 1
    assert text.endswith("...")
    assert len(text) > 150  # GSM 7-bit: close to 160, not cut short
    assert text.startswith("New mail from Bob: ")


def test_unicode_subject_is_cut_to_one_ucs2_part() -> None:
    text = sms_notification("Zoë <z@example.net>", "会议 " * 60)
    assert parts_needed(text) == 1
    assert 60 < len(text) <= 70
    assert text.endswith("...")


def test_subject_line_breaks_are_folded() -> None:
    text = sms_notification("Bob <bob@example.net>", "one\r\ntwo\tthree")
    assert text == "New mail from Bob: one two three"


def _notification(**overrides: object) -> bytes:
    values: dict[str, object] = {
        "sender": "Bob Martin <bob@example.net>",
        "subject": "Quarterly report",
        "received_at": NOW,
        "from_address": "postmaster@mail.example.test",
        "to": ["alice@example.test", "alice@home.example"],
        "message_id": "<n1@mail.example.test>",
        "now": NOW,
    }
    values.update(overrides)
    return email_notification(**values)  # type: ignore[arg-type]


def test_email_notification_headers_and_body() -> None:
    raw = _notification()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["From"] == "Bureau <postmaster@mail.example.test>"
    assert msg["To"] == "alice@example.test, alice@home.example"
    assert msg["Subject"] == "New message from Bob Martin <bob@example.net>: Quarterly report"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Bureau-Generated"] == "notification"
    assert msg["Message-ID"] == "<n1@mail.example.test>"
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Bob Martin <bob@example.net>" in text and "Quarterly report" in text


def test_email_notification_cannot_be_injected_into() -> None:
    raw = _notification(
        sender="Eve <eve@example.net>\r\nBcc: victim@example.org",
        subject="hi\nX-Injected: yes",
    )
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == (
        "New message from Eve <eve@example.net> Bcc: victim@example.org: hi X-Injected: yes"
    )


def test_email_notification_non_ascii_subject() -> None:
    msg = BytesParser(policy=policy.default).parsebytes(
        _notification(sender="Zoë <z@example.net>", subject="Réunion à 10 h")
    )
    assert msg["Subject"] == "New message from Zoë <z@example.net>: Réunion à 10 h"
    assert _notification(subject="").find(b"(no subject)") > 0
