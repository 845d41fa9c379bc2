"""Automatic forwarding (F56): the address, how it joins the filters' outcome, its loop
signs and the warning read back."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

from services.filters.autoforward import apply_forwarding, loop_notice, target
from services.filters.forwarding import MAX_RECEIVED, TRACE, already_forwarded
from shared.mail.filtering.engine import Outcome
from shared.model import Forwarding

OWN = {"alice@example.test", "a.smith@example.test"}


def test_the_target_is_normalised_and_never_the_account_itself() -> None:
    assert target(Forwarding(), OWN) is None
    assert target(Forwarding(address=" Bob@Example.NET "), OWN) == "bob@example.net"
    for own in ("ALICE@example.test", "alice+fwd@example.test", "a.smith@example.test"):
        assert target(Forwarding(address=own), OWN) is None, own
    assert target(Forwarding(address="not an address"), OWN) is None


def forward(outcome: Outcome, **kw: object) -> bool:
    options: dict[str, object] = {
        "address": "bob@example.net",
        "keep": False,
        "blocked": False,
        "loop": False,
        "spam": False,
    }
    options.update(kw)
    return apply_forwarding(outcome, **options)  # type: ignore[arg-type]


def test_forwarded_mail_leaves_the_account_unless_kept() -> None:
    moved = Outcome(folder_id="f1", tags=["t"])
    assert not forward(moved)
    assert moved.forwards == ["bob@example.net"] and moved.discard
    kept = Outcome()
    assert not forward(kept, keep=True)
    assert kept.forwards == ["bob@example.net"] and not kept.discard
    nothing = Outcome()
    assert not forward(nothing, address=None)
    assert nothing == Outcome()


def test_a_filter_forward_to_the_same_address_sends_once() -> None:
    outcome = Outcome(forwards=["Bob@example.net", "carol@example.net"])
    forward(outcome, keep=True)
    assert outcome.forwards == ["Bob@example.net", "carol@example.net"]


def test_discarded_and_spam_mail_is_not_forwarded_automatically() -> None:
    discarded = Outcome(discard=True)
    assert not forward(discarded)
    assert discarded.forwards == [] and discarded.discard
    spam = Outcome(folder_id="spam")
    assert not forward(spam, spam=True)
    assert spam.forwards == [] and not spam.discard
    # A filter's explicit forward of spam still goes; the automatic one does not join it.
    filtered = Outcome(forwards=["carol@example.net"])
    forward(filtered, spam=True)
    assert filtered.forwards == ["carol@example.net"] and not filtered.discard


def test_a_loop_keeps_the_message_and_asks_for_a_warning() -> None:
    outcome = Outcome(forwards=["carol@example.net"])
    assert forward(outcome, loop=True)
    assert outcome.forwards == [] and not outcome.discard
    # A loop of a filter forward alone warns of nothing (no automatic forward stopped).
    filter_only = Outcome(forwards=["carol@example.net"], discard=True)
    assert not forward(filter_only, address=None, loop=True)
    assert filter_only.forwards == [] and not filter_only.discard


def test_a_blocked_account_keeps_everything_without_warning() -> None:
    outcome = Outcome(forwards=["carol@example.net"])
    assert not forward(outcome, blocked=True)
    assert outcome.forwards == [] and not outcome.discard


def test_loop_signs() -> None:
    assert not already_forwarded([("Delivered-To", "alice@example.test")], "alice@example.test")
    twice = [("Delivered-To", "alice@example.test"), ("Delivered-To", "<Alice@example.test>")]
    assert already_forwarded(twice, "alice@example.test")
    assert not already_forwarded(twice, "bob@example.test")
    hops = [("Received", f"from h{i}") for i in range(MAX_RECEIVED)]
    assert already_forwarded(hops, "alice@example.test")
    assert not already_forwarded(hops[1:], "alice@example.test")
    assert already_forwarded([(TRACE.upper(), " ALICE@example.test ")], "alice@example.test")


def test_the_loop_warning_reads_back() -> None:
    at = datetime(2026, 7, 1, tzinfo=UTC)
    raw = loop_notice(
        account="alice@example.test",
        forward_to="bob@example.net",
        postmaster="postmaster@mail.example.test",
        subject="Round and round",
        seed="n1",
        date=at,
    )
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert str(msg["From"]) == "Mail Delivery System <postmaster@mail.example.test>"
    assert str(msg["To"]) == "alice@example.test"
    assert "bob@example.net" in str(msg["Subject"]) and "stopped" in str(msg["Subject"])
    assert msg["Message-ID"] == "<n1@example.test>"
    body = msg.get_content()
    assert "Round and round" in body and "bob@example.net" in body
