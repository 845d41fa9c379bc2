"""Delivery status notifications (RFC 3464 / 6522), read back with the stdlib parser."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from shared.mail.dsn import MAX_RETURNED_ORIGINAL, RecipientStatus, build_dsn

ARRIVAL = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ATTEMPT = datetime(2026, 3, 2, 9, 31, 5, tzinfo=UTC)

ORIGINAL = (
    b"From: Alice <alice@bureau.test>\r\n"
    b"To: bob@example.net, carol@example.org\r\n"
    b"Subject: Quarterly figures\r\n"
    b"Message-ID: <q1@bureau.test>\r\n"
    b"\r\n"
    b"The figures are attached.\r\n"
    b"BODY-MARKER\r\n"
)

BOB_FAILED = RecipientStatus(
    recipient="bob@example.net",
    action="failed",
    status="5.1.1",
    remote_mta="mx.example.net",
    diagnostic="550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
    last_attempt=ATTEMPT,
)
CAROL_DELAYED = RecipientStatus(
    recipient="carol@example.org",
    action="delayed",
    status="4.4.7",
    remote_mta=None,
    diagnostic=None,
    last_attempt=ATTEMPT,
)


def dsn(**overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "reporting_mta": "mx.bureau.test",
        "postmaster": "postmaster@bureau.test",
        "original_sender": "alice@bureau.test",
        "original": ORIGINAL,
        "recipients": [BOB_FAILED, CAROL_DELAYED],
        "arrival": ARRIVAL,
        "message_id_domain": "bureau.test",
    }
    return build_dsn(**(args | overrides))


def parse(raw: bytes) -> tuple[EmailMessage, list[EmailMessage]]:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message.defects == []
    parts = [p for p in message.iter_parts() if isinstance(p, EmailMessage)]
    assert len(parts) == len(list(message.iter_parts()))
    return message, parts


def status_blocks(raw: bytes) -> list[Message]:
    payload = parse(raw)[1][1].get_payload()
    assert isinstance(payload, list)
    blocks = [b for b in payload if isinstance(b, Message)]
    assert len(blocks) == len(payload)
    return blocks


def text_of(raw: bytes) -> str:
    content = parse(raw)[1][0].get_content()
    assert isinstance(content, str)
    return content


def lines(raw: bytes) -> Iterator[bytes]:
    yield from raw.split(b"\r\n")


def test_structure() -> None:
    raw = dsn()
    message, parts = parse(raw)
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "delivery-status"
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "message/delivery-status",
        "message/rfc822",
    ]
    assert parts[0].get_content_charset() == "utf-8"
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Mail Delivery System",
        "postmaster@bureau.test",
    )
    assert message["To"] == "alice@bureau.test"
    assert message["MIME-Version"] == "1.0"
    assert message["Message-ID"].endswith("@bureau.test>")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    # CRLF everywhere, and no line over 998 octets (RFC 5322 §2.1.1).
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines(raw)) <= 998


def test_message_ids_are_unique() -> None:
    assert parse(dsn())[0]["Message-ID"] != parse(dsn())[0]["Message-ID"]


def test_auto_submitted() -> None:
    """RFC 3834 §5: auto-responders must not answer the bounce."""
    assert parse(dsn())[0]["Auto-Submitted"] == "auto-replied"


def test_per_message_and_per_recipient_fields() -> None:
    per_message, bob, carol = status_blocks(dsn())
    assert per_message["Reporting-MTA"] == "dns; mx.bureau.test"
    assert parsedate_to_datetime(per_message["Arrival-Date"]) == ARRIVAL

    assert bob["Final-Recipient"] == "rfc822; bob@example.net"
    assert bob["Action"] == "failed"
    assert bob["Status"] == "5.1.1"
    assert bob["Remote-MTA"] == "dns; mx.example.net"
    assert bob["Diagnostic-Code"] == (
        "smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"
    )
    assert parsedate_to_datetime(bob["Last-Attempt-Date"]) == ATTEMPT

    assert carol["Final-Recipient"] == "rfc822; carol@example.org"
    assert carol["Action"] == "delayed"
    assert carol["Status"] == "4.4.7"
    assert carol["Remote-MTA"] is None and carol["Diagnostic-Code"] is None
    assert parsedate_to_datetime(carol["Last-Attempt-Date"]) == ATTEMPT


def test_blocks_separated_by_blank_lines() -> None:
    raw = dsn()
    assert b"+0000\r\n\r\nFinal-Recipient: rfc822; bob@example.net\r\n" in raw
    assert b"+0000\r\n\r\nFinal-Recipient: rfc822; carol@example.org\r\n" in raw


def test_type_prefixes_given_by_the_caller_are_not_doubled() -> None:
    recipient = RecipientStatus(
        "<bob@example.net>", "failed", "5.1.1", "dns;mx.example.net", "smtp; 550 no", ATTEMPT
    )
    _, bob = status_blocks(dsn(recipients=[recipient]))
    assert bob["Final-Recipient"] == "rfc822; bob@example.net"
    assert bob["Remote-MTA"] == "dns; mx.example.net"
    assert bob["Diagnostic-Code"] == "smtp; 550 no"


@pytest.mark.parametrize(
    ("action", "given", "reported"),
    [
        ("failed", "5.7.1", "5.7.1"),
        ("failed", "4.4.7", "4.4.7"),  # gave up after a persistent transient failure
        ("failed", "550", "5.0.0"),
        ("failed", "2.0.0", "5.0.0"),
        ("delayed", "5.1.1", "4.0.0"),
        ("delayed", "4.4.1\r\nX: y", "4.0.0"),
    ],
)
def test_status_codes(action: Any, given: str, reported: str) -> None:
    recipient = RecipientStatus("bob@example.net", action, given, None, None, ATTEMPT)
    assert status_blocks(dsn(recipients=[recipient]))[1]["Status"] == reported


@pytest.mark.parametrize(
    ("recipients", "subject"),
    [
        ([BOB_FAILED], "Undelivered Mail Returned to Sender"),
        ([BOB_FAILED, CAROL_DELAYED], "Undelivered Mail Returned to Sender"),
        ([CAROL_DELAYED], "Delayed Mail (still being retried)"),
    ],
)
def test_subject(recipients: list[RecipientStatus], subject: str) -> None:
    assert parse(dsn(recipients=recipients))[0]["Subject"] == subject


def test_explanation_names_recipients_and_replies() -> None:
    text = " ".join(text_of(dsn()).split())
    assert "<bob@example.net> mx.example.net said: 550 5.1.1 <bob@example.net>: Recipient" in text
    assert "could not be delivered" in text
    assert "<carol@example.org>" in text
    assert "still being retried" in text


def test_only_delayed_explanation_does_not_speak_of_failure() -> None:
    text = text_of(dsn(recipients=[CAROL_DELAYED]))
    assert "still being retried" in text
    assert "could not be delivered" not in text


def test_original_attached_whole() -> None:
    raw = dsn()
    attached = parse(raw)[1][2]
    assert attached["Content-Transfer-Encoding"] == "7bit"
    inner = attached.get_content()
    assert inner["Subject"] == "Quarterly figures"
    assert inner.get_content() == "The figures are attached.\r\nBODY-MARKER\r\n"
    assert ORIGINAL in raw  # byte for byte


def test_headers_only() -> None:
    raw = dsn(headers_only=True)
    attached = parse(raw)[1][2]
    assert attached.get_content_type() == "text/rfc822-headers"
    header = attached.get_content()
    assert "Subject: Quarterly figures" in header
    assert b"BODY-MARKER" not in raw
    assert "header of your original message is attached" in text_of(raw)


def test_large_original_returns_headers_only() -> None:
    big = ORIGINAL + b"x" * (MAX_RETURNED_ORIGINAL - len(ORIGINAL) + 1)
    assert len(big) == MAX_RETURNED_ORIGINAL + 1
    raw = dsn(original=big)
    assert len(raw) < 10_000
    attached = parse(raw)[1][2]
    assert attached.get_content_type() == "text/rfc822-headers"
    assert "Subject: Quarterly figures" in attached.get_content()
    assert "too large to return whole" in text_of(raw)


def test_original_at_the_limit_is_returned_whole() -> None:
    exact = ORIGINAL + b"x" * (MAX_RETURNED_ORIGINAL - len(ORIGINAL))
    assert parse(dsn(original=exact))[1][2].get_content_type() == "message/rfc822"


def test_non_ascii_original_kept_as_8bit() -> None:
    original = (
        "From: André <andre@bureau.test>\r\nSubject: Réunion à 10 h\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
        "\r\nÀ demain, 東京.\r\n"
    ).encode()
    raw = dsn(original=original)
    attached = parse(raw)[1][2]
    assert attached["Content-Transfer-Encoding"] == "8bit"
    assert original in raw
    inner = attached.get_content()
    assert inner["Subject"] == "Réunion à 10 h"
    assert inner.get_content() == "À demain, 東京.\r\n"


def test_non_ascii_headers_only() -> None:
    original = "Subject: Réunion\r\n\r\nbody\r\n".encode()
    attached = parse(dsn(original=original, headers_only=True))[1][2]
    assert attached.get_content_charset() == "utf-8"
    assert attached.get_content() == "Subject: Réunion\r\n"


def test_non_ascii_diagnostic() -> None:
    reply = "550 5.1.1 Benutzer unbekannt: Postfach für 東京 gibt es nicht"
    recipient = RecipientStatus(
        "bob@example.net", "failed", "5.1.1", "mx.example.net", reply, ATTEMPT
    )
    raw = dsn(recipients=[recipient])
    assert reply in " ".join(text_of(raw).split())
    # message/delivery-status is ASCII: RFC 6533 escapes for the rest.
    _, bob = status_blocks(raw)
    assert bob["Diagnostic-Code"] == (
        "smtp; 550 5.1.1 Benutzer unbekannt: Postfach f\\x{FC}r \\x{6771}\\x{4EAC} gibt es nicht"
    )
    status_part = raw.split(b"message/delivery-status")[1].split(b"message/rfc822")[0]
    assert status_part.isascii()


def test_non_ascii_recipient_uses_utf8_address_type() -> None:
    recipient = RecipientStatus("jörg+x@bücher.example", "failed", "5.1.1", None, None, ATTEMPT)
    _, block = status_blocks(dsn(recipients=[recipient]))
    assert block["Final-Recipient"] == "utf-8; j\\x{F6}rg\\x{2B}x@b\\x{FC}cher.example"


def test_surrogate_escaped_diagnostic() -> None:
    reply = b"550 caf\xc3\xa9 \xff".decode("utf-8", "surrogateescape")
    recipient = RecipientStatus("bob@example.net", "failed", "5.0.0", None, reply, ATTEMPT)
    raw = dsn(recipients=[recipient])
    assert "550 café \ufffd" in text_of(raw)


def test_crlf_injection_in_diagnostic_is_neutralised() -> None:
    reply = (
        "550 no such user\r\nBcc: victim@example.com\r\n\r\nFinal-Recipient: rfc822; x@y\n"
        "--=_bureau-dsn-0\rSubject: pwned\u2028Action: delivered\x00\x1b[31m\u202eten.elpmaxe"
    )
    recipient = RecipientStatus(
        "bob@example.net\r\nCc: x@y", "failed", "5.1.1", "mx\r\n.example.net", reply, ATTEMPT
    )
    raw = dsn(recipients=[recipient])
    message, parts = parse(raw)
    assert message["Bcc"] is None and message["Subject"].startswith("Undelivered")
    assert len(parts) == 3
    blocks = status_blocks(raw)
    assert len(blocks) == 2
    bob = blocks[1]
    assert bob["Action"] == "failed"
    assert bob["Final-Recipient"] == "rfc822; bob@example.net Cc: x@y"
    assert bob["Diagnostic-Code"].startswith("smtp; 550 no such user Bcc: victim@example.com")
    report = raw.split(b"Content-Type: message/rfc822")[0]
    injected = rb"Bcc:|Cc:|Subject: pwned|Action: delivered|Final-Recipient: rfc822; x@y|--=_\S+-0$"
    assert not any(re.match(injected, line) for line in lines(report))
    assert b"\x00" not in raw and b"\x1b" not in raw
    text = text_of(raw)
    assert "\u202e" not in text and "\u2028" not in text
    assert not any(line.startswith(("Bcc:", "Subject:", "--")) for line in text.splitlines())


def test_long_diagnostic_is_folded() -> None:
    # Words, then one word that grows past a line's 998 octets once escaped as \x{E9}.
    reply = "550 5.7.1 " + " ".join(f"word{i}" for i in range(100)) + " " + "é" * 2000
    recipient = RecipientStatus("bob@example.net", "failed", "5.7.1", None, reply, ATTEMPT)
    raw = dsn(recipients=[recipient])
    diagnostic = [line for line in lines(raw) if line.startswith(b"Diagnostic-Code:")]
    assert len(diagnostic[0]) <= 78
    assert max(len(line) for line in lines(raw)) <= 998
    assert status_blocks(raw)[1]["Diagnostic-Code"].startswith("smtp; 550 5.7.1 word0 word1")


@pytest.mark.parametrize(
    "original",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"Subject: no body separator\r\nX-Other: y", id="no-separator"),
        pytest.param(b"\r\nbody without header\r\n", id="no-header"),
        pytest.param(b"Subject: bare LF\nX: y\n\nbody\n", id="bare-lf"),
        pytest.param(b"Subject: bare CR\rX: y\r\rbody\r", id="bare-cr"),
        pytest.param(b"not a header at all\x00\xff\xfe" + b"y" * 5000, id="binary"),
        pytest.param(b"From nobody Mon Jan  1 00:00:00 2026\nSubject: mbox\n\nhi", id="mbox"),
        pytest.param(b"Subject: x\r\n\r\n--=_bureau-dsn-\r\n", id="boundary-prefix"),
    ],
)
@pytest.mark.parametrize("headers_only", [False, True])
def test_malformed_original(original: bytes, headers_only: bool) -> None:
    raw = dsn(original=original, headers_only=headers_only)
    _, parts = parse(raw)
    assert len(parts) == 3
    assert len(status_blocks(raw)) == 3
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    expected = "text/rfc822-headers" if headers_only else "message/rfc822"
    assert parts[2].get_content_type() == expected


def test_malformed_original_without_separator_is_all_header() -> None:
    original = b"Subject: no separator\r\nX-Other: y"
    raw = dsn(original=original, headers_only=True)
    assert parse(raw)[1][2].get_content() == "Subject: no separator\r\nX-Other: y\r\n"


def test_original_line_ends_become_crlf() -> None:
    raw = dsn(original=b"Subject: bare LF\nX: y\n\nbody\n")
    assert b"Subject: bare LF\r\nX: y\r\n\r\nbody\r\n" in raw


def test_binary_original_is_labelled_binary() -> None:
    raw = dsn(original=b"Subject: x\r\n\r\n" + b"y" * 5000 + b"\x00")
    assert parse(raw)[1][2]["Content-Transfer-Encoding"] == "binary"


def test_boundary_avoids_the_original(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["clash", "clear"])
    monkeypatch.setattr(secrets, "token_hex", lambda _n: next(tokens))
    raw = dsn(original=b"Subject: x\r\n\r\n--=_bureau-dsn-clash\r\n")
    assert parse(raw)[0].get_boundary() == "=_bureau-dsn-clear"
    assert len(parse(raw)[1]) == 3


@pytest.mark.parametrize(
    "overrides",
    [
        {"recipients": []},
        {"original_sender": ""},
        {"original_sender": "<>"},
        {"postmaster": "postmaster"},
        {"reporting_mta": "mx bureau.test"},
        {"message_id_domain": "bureau.test\r\nBcc: x@y"},
    ],
)
def test_bad_arguments_from_bureau_raise(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dsn(**overrides)


def test_naive_dates_are_utc() -> None:
    per_message, *_ = status_blocks(dsn(arrival=datetime(2026, 3, 2, 9, 30)))
    assert parsedate_to_datetime(per_message["Arrival-Date"]) == ARRIVAL
