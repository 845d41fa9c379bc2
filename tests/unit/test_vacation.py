"""Vacation replies (F24): the RFC 3834 exclusions, and the reply read back with the
email package."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser

import pytest

from services.filters.vacation import automatic, exclusion, is_automaton
from services.filters.vacation_reply import ReplyTo, build_reply
from shared.mail.mime import parse_message
from shared.model import Vacation
from tests.factories import make_raw

OWN = {"alice@example.test", "a.smith@example.test"}
AT = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


def headers(
    *extra: tuple[str, str], to: str = "Alice <alice@example.test>"
) -> list[tuple[str, str]]:
    return [("From", "Bob <bob@example.net>"), ("To", to), ("Subject", "Lunch?"), *extra]


def why(
    *extra: tuple[str, str],
    mail_from: str = "bob@example.net",
    to: str = "Alice <alice@example.test>",
    recipient: str = "alice@example.test",
) -> str | None:
    return exclusion(
        mail_from=mail_from, headers=headers(*extra, to=to), own=OWN, recipient=recipient
    )


def test_a_personal_message_from_a_person_gets_a_reply() -> None:
    assert why() is None
    assert why(("Auto-Submitted", "no")) is None
    assert why(("Precedence", "first-class")) is None
    assert why(to="someone@else.test", recipient="alice@example.test") == "not a direct recipient"
    assert why(("Cc", "ALICE@Example.Test")) is None  # in Cc, any case


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (("Auto-Submitted", "auto-replied"), "auto-submitted"),
        (("Auto-Submitted", "auto-generated; owner-email=x@y.test"), "auto-submitted"),
        (("auto-submitted", "auto-notified"), "auto-submitted"),
        (("Precedence", "bulk"), "precedence bulk"),
        (("Precedence", " List "), "precedence list"),
        (("Precedence", "junk"), "precedence junk"),
        (("List-Id", "Team <team.lists.example.net>"), "list mail"),
        (("List-Unsubscribe", "<mailto:leave@lists.example.net>"), "list mail"),
        (("List-Post", "<mailto:team@lists.example.net>"), "list mail"),
        (("X-Auto-Response-Suppress", "All"), "auto-responses suppressed"),
        (("X-Auto-Response-Suppress", "DR, OOF"), "auto-responses suppressed"),
    ],
)
def test_automatic_and_list_mail_gets_none(extra: tuple[str, str], reason: str) -> None:
    assert why(extra) == reason


def test_suppression_of_other_responses_only_still_replies() -> None:
    assert automatic(headers(("X-Auto-Response-Suppress", "DR, RN, NRN"))) is None


@pytest.mark.parametrize(
    "sender",
    [
        "noreply@shop.example",
        "no-reply@shop.example",
        "No_Reply@shop.example",
        "donotreply@bank.example",
        "do-not-reply@bank.example",
        "MAILER-DAEMON@mx.example",
        "postmaster@mx.example",
        "owner-team@lists.example",
        "team-request@lists.example",
        "team-bounces+bob=example.net@lists.example",
        "listserv@lists.example",
        "majordomo@lists.example",
        "newsletter-noreply@shop.example",
    ],
)
def test_automaton_senders_get_none(sender: str) -> None:
    assert is_automaton(sender)
    assert why(mail_from=sender) == "automaton sender"


def test_people_with_similar_names_are_no_automatons() -> None:
    for sender in ("noreen@example.net", "bob.requester@example.net", "owner@example.net"):
        assert not is_automaton(sender), sender


def test_an_automaton_in_from_gets_none_either() -> None:
    found = exclusion(
        mail_from="bounce-123@esp.example",
        headers=[("From", "Shop <noreply@shop.example>"), ("To", "alice@example.test")],
        own=OWN,
        recipient="alice@example.test",
    )
    assert found == "automaton sender"
    found = exclusion(
        mail_from="sales@shop.example",
        headers=[("From", "Shop <noreply@shop.example>"), ("To", "alice@example.test")],
        own=OWN,
        recipient="alice@example.test",
    )
    assert found == "automaton sender"


def test_null_unreadable_and_own_senders_get_none() -> None:
    assert why(mail_from="") == "null sender"
    assert why(mail_from="not an address") == "unreadable sender"
    assert why(mail_from="Alice@example.test") == "own message"
    assert why(mail_from="alice+sent@example.test") == "own message"
    assert why(mail_from="a.smith@example.test") == "own message"  # an alias


def test_bcc_gets_none_but_aliases_and_plus_addresses_count() -> None:
    # Bcc: the account is in no recipient field.
    assert why(to="carol@example.net") == "not a direct recipient"
    assert why(to="a.smith@example.test") is None  # an alias
    assert why(to="alice+news@example.test", recipient="alice+news@example.test") is None
    assert why(to="alice+other@example.test") is None  # another tag of the same account
    assert why(("Resent-To", "alice@example.test"), to="carol@example.net") is None
    assert why(to="Team: alice@example.test, carol@example.net;") is None  # a group


def test_the_reply_reads_back_as_rfc_3834_says() -> None:
    original = make_raw(
        sender="Bob <bob@example.net>",
        subject="Lunch?",
        message_id="<m2@example.net>",
        in_reply_to="<m1@example.net>",
    )
    vacation = Vacation(
        enabled=True,
        start=date(2026, 6, 30),
        subject="Absente jusqu'au 15 — réponse automatique",
        text="Je suis en congé.\nJe lirai votre message à mon retour.",
    )
    raw = build_reply(
        vacation,
        address="alice@example.test",
        name="Alice Smith",
        to=ReplyTo(sender="bob@example.net", original=parse_message(original), seed="v1", date=AT),
    )
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Auto-Submitted"] == "auto-replied"
    assert str(msg["From"]) == "Alice Smith <alice@example.test>"
    assert str(msg["To"]) == "bob@example.net"
    assert str(msg["Subject"]) == vacation.subject
    assert msg["In-Reply-To"] == "<m2@example.net>"
    assert msg["References"].split() == ["<m1@example.net>", "<m2@example.net>"]
    assert msg["Message-ID"] == "<v1@example.test>"
    assert msg["Date"].datetime == AT
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n").rstrip("\n") == vacation.text
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    # The same inputs give the same bytes (a redelivery stores the same blob).
    assert raw == build_reply(
        vacation,
        address="alice@example.test",
        name="Alice Smith",
        to=ReplyTo(sender="bob@example.net", original=parse_message(original), seed="v1", date=AT),
    )


def test_a_reply_without_name_or_original_ids() -> None:
    raw = build_reply(
        Vacation(enabled=True),
        address="alice@example.test",
        name="",
        to=ReplyTo(sender="bob@example.net", original=parse_message(b"\r\n"), seed="v2", date=AT),
    )
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(msg["From"]) == "alice@example.test"
    assert str(msg["Subject"]) == "Out of office"
    assert msg["In-Reply-To"] is None and msg["References"] is None
    with pytest.raises(ValueError):
        build_reply(
            Vacation(enabled=True),
            address="alice@example.test",
            name="",
            to=ReplyTo(sender="bad sender@", original=parse_message(b"\r\n"), seed="v3", date=AT),
        )


def test_the_dates_bound_the_replies() -> None:
    vacation = Vacation(enabled=True, start=date(2026, 7, 1), end=date(2026, 7, 15))
    assert vacation.active(AT)
    assert not vacation.active(datetime(2026, 6, 30, 23, 59, tzinfo=UTC))
    assert vacation.active(datetime(2026, 7, 15, 23, 59, tzinfo=UTC))
    assert not vacation.active(datetime(2026, 7, 16, tzinfo=UTC))
    assert not vacation.model_copy(update={"enabled": False}).active(AT)
