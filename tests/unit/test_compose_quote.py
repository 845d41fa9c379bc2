"""Replies and forwards: subjects, References, recipients, quoted and forwarded bodies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.mail.compose.quote import (
    MAX_REFERENCES,
    ForwardHeaders,
    forward_html,
    forward_subject,
    forward_text,
    quote_html,
    quote_text,
    reply_recipients,
    reply_references,
    reply_subject,
)
from shared.mail.html_text import html_to_text
from shared.model import Address

DATE = datetime(2026, 11, 2, 9, 5, tzinfo=timezone(timedelta(hours=1)))


def a(address: str, name: str = "") -> Address:
    return Address(name=name, address=address)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Hello", "Re: Hello"),
        ("Re: Hello", "Re: Hello"),
        ("RE: Hello", "RE: Hello"),
        ("re:Hello", "re:Hello"),
        ("Re : Hello", "Re : Hello"),
        ("Re[2]: Hello", "Re[2]: Hello"),
        ("AW: Hallo", "AW: Hallo"),
        ("SV: Hej", "SV: Hej"),
        ("Fwd: Hello", "Re: Fwd: Hello"),
        ("Fw: Hello", "Re: Fw: Hello"),
        ("TR: Bonjour", "Re: TR: Bonjour"),
        ("Regarding the plan", "Re: Regarding the plan"),
        ("Réunion", "Re: Réunion"),
        ("  Hello  ", "Re: Hello"),
        ("", "Re:"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Hello", "Fwd: Hello"),
        ("Fwd: Hello", "Fwd: Hello"),
        ("FW: Hello", "FW: Hello"),
        ("TR: Bonjour", "TR: Bonjour"),
        ("WG: Hallo", "WG: Hallo"),
        ("Re: Hello", "Fwd: Re: Hello"),
        ("Forward planning", "Fwd: Forward planning"),
        ("", "Fwd:"),
    ],
)
def test_forward_subject(subject: str, expected: str) -> None:
    assert forward_subject(subject) == expected


def test_reply_references_follow_rfc_5322() -> None:
    assert reply_references("<p@x>", ["<r1@x>", "<r2@x>"], ["<r2@x>"]) == (
        "<p@x>",
        ["<r1@x>", "<r2@x>", "<p@x>"],
    )
    # No References: a single In-Reply-To stands in for them; several are ambiguous.
    assert reply_references("<p@x>", [], ["<i@x>"]) == ("<p@x>", ["<i@x>", "<p@x>"])
    assert reply_references("<p@x>", [], ["<i@x>", "<j@x>"]) == ("<p@x>", ["<p@x>"])
    assert reply_references(None, ["<r1@x>"], []) == (None, ["<r1@x>"])
    assert reply_references(None, [], []) == (None, [])
    # The parent listing its own id, or an id twice: once only.
    assert reply_references("<p@x>", ["<r@x>", "<r@x>", "<p@x>"], []) == (
        "<p@x>",
        ["<r@x>", "<p@x>"],
    )


def test_reply_references_are_capped_keeping_first_and_last() -> None:
    refs = [f"<r{i}@x>" for i in range(50)]
    in_reply_to, chain = reply_references("<p@x>", refs, [])
    assert in_reply_to == "<p@x>"
    assert len(chain) == MAX_REFERENCES
    assert chain[0] == "<r0@x>"
    assert chain[-1] == "<p@x>"
    assert chain[-2] == "<r49@x>"
    assert chain[1] == f"<r{50 - MAX_REFERENCES + 2}@x>"


ME = {"me@example.net", "alias@example.net"}


def addresses(found: list[Address]) -> list[str]:
    return [x.address for x in found]


def test_reply_goes_to_the_sender() -> None:
    to, cc = reply_recipients(
        sender=a("bob@example.org", "Bob"),
        reply_to=[],
        to=[a("me@example.net"), a("carol@example.org")],
        cc=[a("dave@example.org")],
        own=ME,
        reply_all=False,
    )
    assert to == [a("bob@example.org", "Bob")]
    assert cc == []


def test_reply_goes_to_reply_to_when_present() -> None:
    to, cc = reply_recipients(
        sender=a("bob@example.org"),
        reply_to=[a("list@example.org", "List"), a("other@example.org")],
        to=[a("me@example.net")],
        cc=[],
        own=ME,
        reply_all=False,
    )
    assert addresses(to) == ["list@example.org", "other@example.org"]
    assert cc == []


def test_reply_all_adds_to_and_cc_without_duplicates_or_own_addresses() -> None:
    to, cc = reply_recipients(
        sender=a("bob@example.org"),
        reply_to=[],
        to=[a("ME@Example.NET"), a("carol@example.org"), a("BOB@example.org")],
        cc=[a("dave@example.org"), a("Carol@Example.org"), a("alias@example.net")],
        own=ME,
        reply_all=True,
    )
    assert addresses(to) == ["bob@example.org"]
    assert addresses(cc) == ["carol@example.org", "dave@example.org"]


def test_reply_to_own_message_goes_to_its_recipients() -> None:
    to, cc = reply_recipients(
        sender=a("me@example.net"),
        reply_to=[a("me@example.net")],
        to=[a("bob@example.org"), a("carol@example.org")],
        cc=[a("dave@example.org")],
        own=ME,
        reply_all=False,
    )
    assert addresses(to) == ["bob@example.org", "carol@example.org"]
    assert cc == []
    to, cc = reply_recipients(
        sender=a("Me@Example.net"),
        reply_to=[],
        to=[a("bob@example.org")],
        cc=[a("dave@example.org"), a("alias@example.net")],
        own=ME,
        reply_all=True,
    )
    assert (addresses(to), addresses(cc)) == (["bob@example.org"], ["dave@example.org"])


def test_note_to_self_stays_one() -> None:
    to, cc = reply_recipients(
        sender=a("me@example.net"), reply_to=[], to=[a("me@example.net")], cc=[], own=ME,
        reply_all=True,
    )  # fmt: skip
    assert (addresses(to), cc) == (["me@example.net"], [])


def test_reply_without_sender_promotes_the_first_cc() -> None:
    to, cc = reply_recipients(
        sender=None, reply_to=[], to=[a("x@example.org")], cc=[a("y@example.org")], own=ME,
        reply_all=True,
    )  # fmt: skip
    assert (addresses(to), addresses(cc)) == (["x@example.org"], ["y@example.org"])


def test_quote_text() -> None:
    quoted = quote_text(
        "Hello,\r\n\r\n> earlier\n>> older\nbye\n\n", author="Bob <bob@example.org>", date=DATE
    )
    assert quoted == (
        "On Mon, 2 Nov 2026 09:05 +0100, Bob <bob@example.org> wrote:\n"
        "> Hello,\n"
        ">\n"
        "> > earlier\n"
        "> >> older\n"
        "> bye\n"
    )


def test_quote_text_without_date_or_author() -> None:
    assert quote_text("x", author="Bob", date=None) == "Bob wrote:\n> x\n"
    assert quote_text("x", author=" ", date=datetime(2026, 1, 5, 7, 0)).startswith(
        "On Mon, 5 Jan 2026 07:00, (unknown sender) wrote:\n"
    )


def test_quote_html() -> None:
    html = quote_html(
        "<html><head><title>t</title></head><body><p>Hi &amp; bye</p></body></html>",
        author="Bob <bob@example.org>",
        date=DATE,
    )
    assert html == (
        "<p>On Mon, 2 Nov 2026 09:05 +0100, Bob &lt;bob@example.org&gt; wrote:</p>\n"
        '<blockquote type="cite"><p>Hi &amp; bye</p></blockquote>'
    )
    assert html_to_text(html) == (
        "On Mon, 2 Nov 2026 09:05 +0100, Bob <bob@example.org> wrote:\n\n> Hi & bye"
    )
    fragment = quote_html("<p>frag</p>", author="Bob", date=None)
    assert fragment.endswith('<blockquote type="cite"><p>frag</p></blockquote>')


HEADERS = ForwardHeaders(
    sender=a("bob@example.org", "Bob <Builder>"),
    date=DATE,
    subject="Plans & <ideas>",
    to=[a("me@example.net", "Me"), a("x@example.org")],
    cc=[a("cc@example.org")],
)


def test_forward_text() -> None:
    assert forward_text("Original\r\nbody", headers=HEADERS) == (
        "---------- Forwarded message ---------\n"
        "From: Bob <Builder> <bob@example.org>\n"
        "Date: Mon, 2 Nov 2026 09:05 +0100\n"
        "Subject: Plans & <ideas>\n"
        "To: Me <me@example.net>, x@example.org\n"
        "Cc: cc@example.org\n"
        "\n"
        "Original\nbody"
    )
    short = forward_text("b", headers=ForwardHeaders(subject="s"))
    assert short == "---------- Forwarded message ---------\nSubject: s\n\nb"


def test_forward_html_escapes_the_headers() -> None:
    html = forward_html("<body><p>Original</p></body>", headers=HEADERS)
    assert html.startswith('<div class="forwarded"><p>---------- Forwarded message ---------')
    assert "From: Bob &lt;Builder&gt; &lt;bob@example.org&gt;" in html
    assert "Subject: Plans &amp; &lt;ideas&gt;" in html
    assert "<ideas>" not in html and "<body>" not in html
    assert html.endswith("<p>Original</p></div>")
    text = html_to_text(html)
    assert "Cc: cc@example.org" in text and "To: Me <me@example.net>, x@example.org" in text
