"""What submission fixes in a message (RFC 6409 §8), its Received line, its listeners."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from services.ingest.fixups import add_missing, addresses, without_hidden
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.trace import submission_received
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import Event
from shared.ports.logins import MemoryLoginRecords

WHEN = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
MSGID = "<q1@example.test>"


def test_date_and_message_id_are_added_at_the_end_of_the_header() -> None:
    raw = b"From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n"
    fixed = add_missing(raw, date=WHEN, message_id=MSGID)
    assert fixed == (
        b"From: a@example.test\r\nSubject: hi\r\n"
        b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <q1@example.test>\r\n"
        b"\r\nbody\r\n"
    )


def test_fields_present_in_any_case_are_kept_as_they_are() -> None:
    raw = b"DATE: Mon, 1 Jan 2024 00:00:00 +0000\r\nmessage-id:<x@y>\r\n\r\nbody\r\n"
    assert add_missing(raw, date=WHEN, message_id=MSGID) == raw


def test_a_message_without_body_or_final_line_end() -> None:
    fixed = add_missing(b"From: a@example.test", date=WHEN, message_id=MSGID)
    parsed = message_from_bytes(fixed, policy=policy.default)
    assert parsed["From"] == "a@example.test" and parsed["Message-ID"] == MSGID
    assert fixed.startswith(b"From: a@example.test\r\nDate: ")


def test_bcc_fields_go_with_their_continuation_lines_and_nothing_else_moves() -> None:
    raw = (
        b"From: a@example.test\r\nBcc: hidden@example.net,\r\n\tother@example.net\r\n"
        b"To: b@example.net\r\nresent-bcc: x@example.net\r\n\r\nBcc: in the body\r\n"
    )
    assert without_hidden(raw) == (
        b"From: a@example.test\r\nTo: b@example.net\r\n\r\nBcc: in the body\r\n"
    )


def test_author_addresses() -> None:
    raw = (
        b"From: Ann <a@example.test>, b@example.test\r\nSender: =?utf-8?q?S=C3=A9?= <s@x.y>\r\n\r\n"
    )
    assert addresses(raw, "From") == ["a@example.test", "b@example.test"]
    assert addresses(raw, "Sender") == ["s@x.y"]
    assert addresses(raw, "Reply-To") == []
    assert addresses(b"Subject: no from\r\n\r\nFrom: a@example.test\r\n", "From") == []
    assert addresses("From: Zoë <zoe@exämple.test>\r\n\r\n".encode(), "From") == [
        "zoe@exämple.test"
    ]


def test_the_received_line_names_the_server_not_the_client() -> None:
    line = submission_received(
        hostname="mx.example.test", protocol="ESMTPSA", queue_id="q1", when=WHEN
    )
    parsed = message_from_bytes(line + b"Subject: hi\r\n\r\n", policy=policy.default)
    received = " ".join(str(parsed["Received"]).split())
    assert (
        received
        == "by mx.example.test (Bureau) with ESMTPSA id q1; Sat, 28 Nov 2026 10:00:00 +0000"
    )


class _Publisher:
    async def publish(self, event: Event, subject: str | None = None) -> None:
        raise AssertionError("nothing is published here")


@pytest.fixture
async def mailbox(tmp_path: Path) -> AsyncIterator[SqliteMailboxStore]:
    store = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
    yield store
    await store.close()


async def test_the_ingest_service_names_its_listeners(
    mailbox: SqliteMailboxStore, tmp_path: Path
) -> None:
    settings = IngestSettings(
        smtp_listen="127.0.0.1:25",
        submission_listen="127.0.0.1:587",
        submissions_listen="[::1]:465",
    )
    service = IngestService(
        settings,
        mailbox=mailbox,
        blobs=FsBlobStore(tmp_path / "blobs"),
        publisher=_Publisher(),
        login_records=MemoryLoginRecords(),
    )
    assert service.listeners() == [
        "SMTP  127.0.0.1:25",
        "Submission  127.0.0.1:587 (STARTTLS)",
        "Submission  [::1]:465 (TLS)",
    ]
