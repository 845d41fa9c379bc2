"""What Bureau writes itself is marked as such (RFC 3834 `Auto-Submitted` and Bureau's
own field), whoever writes it, and is told apart from other programs' mail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.filters.autoforward import loop_notice
from services.filters.vacation_reply import ReplyTo, build_reply
from shared.mail.automatic import is_automatic, is_generated
from shared.mail.mime import parse_message
from shared.model import Vacation
from tests.unit.test_dsn import dsn
from tests.unit.test_mdn import mdn
from tests.unit.test_notify_notifications import _notification

AT = datetime(2026, 7, 1, tzinfo=UTC)
ORIGINAL = b"From: bob@example.net\r\nSubject: Hello\r\nMessage-ID: <h1@example.net>\r\n\r\nHi\r\n"


def _vacation_reply() -> bytes:
    return build_reply(
        Vacation(enabled=True),
        address="alice@example.test",
        name="Alice",
        to=ReplyTo(sender="bob@example.net", original=parse_message(ORIGINAL), seed="v", date=AT),
    )


def _loop_warning() -> bytes:
    return loop_notice(
        account="alice@example.test",
        forward_to="bob@example.net",
        postmaster="postmaster@mail.example.test",
        subject="Round",
        seed="n1",
        date=AT,
    )


@pytest.mark.parametrize(
    ("kind", "build", "auto_submitted"),
    [
        ("notification", _notification, "auto-generated"),
        ("vacation", _vacation_reply, "auto-replied"),
        ("bounce", dsn, "auto-replied"),
        ("receipt", mdn, "auto-replied"),
        ("forward-warning", _loop_warning, "auto-generated"),
    ],
)
def test_every_kind_of_mail_bureau_writes_is_marked(
    kind: str, build: object, auto_submitted: str
) -> None:
    raw = build()  # type: ignore[operator]
    headers = parse_message(raw).headers
    assert is_generated(headers) and is_automatic(headers)
    fields = {k.lower(): v for k, v in headers}
    assert fields["x-bureau-generated"] == kind
    assert fields["auto-submitted"] == auto_submitted


def test_other_mail_is_not_taken_for_bureaus_own() -> None:
    person = [("From", "bob@example.net"), ("Subject", "Hi")]
    assert not is_generated(person) and not is_automatic(person)
    # Bureau's field alone proves nothing; "no" means a person sent it (RFC 3834 §5).
    assert not is_generated([*person, ("X-Bureau-Generated", "notification")])
    no = [*person, ("Auto-Submitted", "no"), ("X-Bureau-Generated", "notification")]
    assert not is_generated(no) and not is_automatic(no)
    # Another program's mail is automatic, not Bureau's.
    assert is_automatic([*person, ("Auto-Submitted", "auto-generated")])
    assert not is_generated([*person, ("Auto-Submitted", "auto-generated")])
    assert is_automatic([*person, ("List-Id", "<dev.lists.example.net>")])
    assert is_automatic([*person, ("Precedence", "bulk")])
    # Notifications of earlier releases still count.
    legacy = [("Auto-Submitted", "auto-generated"), ("X-Bureau-Notification", "yes")]
    assert is_generated(legacy)
