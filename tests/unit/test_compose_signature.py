"""Signatures, and the plan's footer on bodies and on built messages."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from services.gateway.attachments import extract_part
from shared.mail.compose.build import build_message
from shared.mail.compose.readback import read_back
from shared.mail.compose.signature import append_footer, append_footer_raw, insert_signature
from shared.mail.compose.types import Outgoing, OutgoingAttachment
from shared.model import Address

FOOTER = "Sent with Bureau — plan Free\nhttps://bureau.example/?a=1&b=<2>"
HTML_FOOTER = (
    '<br><div class="imposed-signature">Sent with Bureau — plan Free<br>'
    "https://bureau.example/?a=1&amp;b=&lt;2&gt;</div>"
)


# --- insert_signature -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hello", "Hello\n\n-- \nAlice\nCEO"),
        ("Hello\n", "Hello\n\n-- \nAlice\nCEO"),
        ("Hello\r\n\r\n", "Hello\n\n\n-- \nAlice\nCEO"),
        ("", "\n-- \nAlice\nCEO"),
    ],
)
def test_text_signature_at_the_end(body: str, expected: str) -> None:
    assert insert_signature(body, "Alice\r\nCEO") == expected


def test_text_signature_with_its_own_separator_keeps_one() -> None:
    assert insert_signature("Hi", "-- \nAlice\n") == "Hi\n\n-- \nAlice"


def test_text_signature_at_a_position_above_the_quote() -> None:
    body = "\n\nOn Mon, Bob wrote:\n> hi\n"
    assert insert_signature(body, "Alice", position=0) == "\n-- \nAlice\n" + body
    assert insert_signature("Thanks!On Mon…", "Alice", position=7) == (
        "Thanks!\n\n-- \nAlice\n\nOn Mon…"
    )
    # Clamped to the body.
    assert insert_signature("ab", "S", position=-5) == "\n-- \nS\n\nab"
    assert insert_signature("ab", "S", position=99) == insert_signature("ab", "S")
    # The position counts in the body as given (CRLF), not in the normalised one.
    assert insert_signature("a\r\nb\r\nc", "S", position=6) == "a\nb\n\n-- \nS\n\nc"


def test_empty_signature_changes_nothing() -> None:
    assert insert_signature("body\r\n", "  \n") == "body\n"
    assert insert_signature("<p>x</p>", "", html=True) == "<p>x</p>"


def test_html_signature() -> None:
    sig = "<b>Alice</b>"
    assert insert_signature("<p>Hi</p>", sig, html=True) == (
        '<p>Hi</p><br><div class="signature"><b>Alice</b></div>'
    )
    assert insert_signature("<html><body><p>Hi</p></BODY></html>", sig, html=True) == (
        '<html><body><p>Hi</p><br><div class="signature"><b>Alice</b></div></BODY></html>'
    )
    assert insert_signature("", sig, html=True) == '<div class="signature"><b>Alice</b></div>'
    quoted = '<p>Hi</p><blockquote type="cite">old</blockquote>'
    assert insert_signature(quoted, sig, html=True, position=9) == (
        '<p>Hi</p><br><div class="signature"><b>Alice</b></div>'
        '<blockquote type="cite">old</blockquote>'
    )


def test_signature_is_not_deduplicated() -> None:
    # A forwarded or quoted message may hold the same signature: it is inserted anyway.
    once = insert_signature("Hi", "Alice")
    assert insert_signature(once, "Alice").count("-- \nAlice") == 2


# --- append_footer --------------------------------------------------------------------------


def test_append_footer_to_bodies() -> None:
    text, html = append_footer("Hello\r\n", "<html><body><p>Hello</p></body></html>", FOOTER)
    assert text == "Hello\n\n" + FOOTER
    assert html == f"<html><body><p>Hello</p>{HTML_FOOTER}</body></html>"
    assert append_footer("Hello", None, FOOTER) == ("Hello\n\n" + FOOTER, None)
    assert append_footer(None, "<p>x</p>\n", FOOTER) == (None, f"<p>x</p>{HTML_FOOTER}\n")
    assert append_footer("", None, FOOTER) == (FOOTER, None)
    assert append_footer("a", "<p>a</p>", " \n") == ("a", "<p>a</p>")
    assert append_footer(None, None, FOOTER) == (None, None)


# --- append_footer_raw ----------------------------------------------------------------------


def outgoing(**fields: object) -> Outgoing:
    values: dict[str, object] = {
        "sender": Address(name="Alice", address="alice@example.net"),
        "to": [Address(address="bob@example.org")],
        "subject": "Hi",
        "message_id": "<m1@example.net>",
        "date": datetime(2026, 1, 1, tzinfo=UTC),
    }
    values.update(fields)
    return Outgoing.model_validate(values)


def footed(m: Outgoing) -> Outgoing:
    text, html = append_footer(m.text, m.html, FOOTER)
    return m.model_copy(update={"text": text, "html": html})


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))

CASES = {
    "text": outgoing(text="Hello\nFrom me"),
    "text-8bit": outgoing(text="日本語のテキスト\n" * 5),
    "both": outgoing(text="Hello text", html="<p>Hello html</p>"),
    "html-document": outgoing(text="Hello", html="<html><body><p>Hi</p></body></html>"),
    "with-attachments": outgoing(
        text="See attached",
        html='<p>See <img src="cid:logo@x"></p>',
        attachments=[
            OutgoingAttachment(
                filename="logo.png",
                content_type="image/png",
                data=PNG,
                content_id="<logo@x>",
                inline=True,
            ),
            OutgoingAttachment(filename="notes.txt", content_type="text/plain", data=b"notes"),
            OutgoingAttachment(filename="page.html", content_type="text/html", data=b"<p>p</p>"),
        ],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_footer_on_built_message_matches_footer_on_bodies(name: str) -> None:
    m = CASES[name]
    raw = build_message(m, include_bcc=False)
    result = append_footer_raw(raw, FOOTER)
    back = read_back(result)
    expected = footed(m)
    assert back.text == expected.text
    assert back.html == expected.html
    # Attachments untouched, at the same paths, with the same bytes.
    before = read_back(raw).attachments
    assert back.attachments == before
    for attachment in before:
        assert extract_part(result, attachment.part).data == extract_part(raw, attachment.part).data
    assert b"\r\n" in result and b"\n" not in result.replace(b"\r\n", b"")


def test_footer_raw_keeps_other_bytes() -> None:
    m = CASES["with-attachments"]
    raw = build_message(m, include_bcc=False)
    result = append_footer_raw(raw, FOOTER)
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert result.startswith(header + b"\r\n\r\n")
    # Everything from the first attachment of multipart/mixed on is unchanged.
    boundary = email.message_from_bytes(raw, policy=policy.default).get_boundary()
    assert boundary is not None
    tail = raw[raw.index(b"\r\n--" + boundary.encode() + b"\r\n", raw.index(b"logo.png")) :]
    assert result.endswith(tail)


def test_footer_raw_single_part_keeps_other_header_fields() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: x\r\nX-Custom: folded\r\n value\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1; format=flowed\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nd=E9j=E0 vu\r\n"
    )
    result = append_footer_raw(raw, "> Footer line   \nFrom Bureau")
    assert result.startswith(b"From: a@example.org\r\nSubject: x\r\nX-Custom: folded\r\n value\r\n")
    assert b"MIME-Version: 1.0\r\n" in result
    msg = email.message_from_bytes(result, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_param("format") == "flowed"
    content = msg.get_content()
    assert isinstance(content, str)
    # Flowed: no trailing spaces, lines starting with ">" or "From " space-stuffed.
    assert content.replace("\r\n", "\n") == "déjà vu\n\n > Footer line\n From Bureau\n"


@pytest.mark.parametrize(
    "raw",
    [
        b"Content-Type: multipart/signed; protocol=x; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nsigned\r\n--b\r\nContent-Type: x/sig\r\n\r\n"
        b"sig\r\n--b--\r\n",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: multipart/encrypted; protocol=x; boundary=c\r\n\r\n--c\r\n"
        b"Content-Type: text/plain\r\n\r\nv1\r\n--c--\r\n--b--\r\n",
        b"Content-Type: application/pdf\r\n\r\n%PDF",
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nbody\r\n",
        b"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nnot a body\r\n",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n",
    ],
)
def test_footer_raw_leaves_untouchable_messages_alone(raw: bytes) -> None:
    assert append_footer_raw(raw, FOOTER) == raw


def test_footer_raw_only_first_bodies_and_not_attachments() -> None:
    raw = (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nsecond inline text\r\n"
        b"--b--\r\nepilogue\r\n"
    )
    result = append_footer_raw(raw, "F")
    # The line end before a delimiter is the delimiter's: the part was "first".
    assert result == raw.replace(
        b"Content-Type: text/plain\r\n\r\nfirst",
        b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n'
        b"\r\nfirst\r\n\r\nF\r\n",
    )


def test_footer_raw_body_that_could_collide_with_a_boundary_goes_base64() -> None:
    raw = (
        b"Content-Type: multipart/alternative; boundary=F\r\n\r\n--F\r\n"
        b"Content-Type: text/plain\r\n\r\nx\r\n--F--\r\n"
    )
    result = append_footer_raw(raw, "--F")
    assert b"Content-Transfer-Encoding: base64" in result
    assert read_back(result).text == "x\n\n--F"


def test_empty_footer_leaves_raw_alone() -> None:
    raw = build_message(CASES["both"], include_bcc=False)
    assert append_footer_raw(raw, "\n ") is raw or append_footer_raw(raw, "\n ") == raw
