"""Building messages: the header, the MIME structure, the wire format (CRLF, line length)."""

from __future__ import annotations

import email
import re
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage, MIMEPart

import pytest

from shared.mail.compose.build import build_message, make_message_id
from shared.mail.compose.types import Outgoing, OutgoingAttachment
from shared.model import Address

DATE = datetime(2026, 11, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def outgoing(**fields: object) -> Outgoing:
    values: dict[str, object] = {
        "sender": Address(name="Alice", address="alice@example.net"),
        "to": [Address(name="Bob", address="bob@example.org")],
        "subject": "Hello",
        "text": "Hi Bob",
        "message_id": "<m1@example.net>",
        "date": DATE,
    }
    values.update(fields)
    return Outgoing.model_validate(values)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")


def structure(part: EmailMessage) -> object:
    if part.is_multipart():
        children = [structure(p) for p in part.iter_parts() if isinstance(p, EmailMessage)]
        return (part.get_content_type(), children)
    return part.get_content_type()


def content(part: MIMEPart) -> str:
    """A text part's decoded content, line ends as "\\n"."""
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


def assert_wire_format(raw: bytes) -> None:
    assert b"\r\n" in raw
    assert re.search(rb"(?<!\r)\n", raw) is None, "bare LF"
    assert re.search(rb"\r(?!\n)", raw) is None, "bare CR"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_simple_text_message_bytes() -> None:
    raw = build_message(outgoing(), include_bcc=False)
    assert raw == (
        b"Date: Mon, 02 Nov 2026 10:00:00 +0100\r\n"
        b"From: Alice <alice@example.net>\r\n"
        b"To: Bob <bob@example.org>\r\n"
        b"Subject: Hello\r\n"
        b"Message-ID: <m1@example.net>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"User-Agent: Bureau\r\n"
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: 7bit\r\n"
        b"\r\n"
        b"Hi Bob\r\n"
    )


def test_all_header_fields() -> None:
    m = outgoing(
        sender=Address(name="André Dupont", address="andre@example.net"),
        reply_to=Address(name="Support, Team", address="support@example.net"),
        to=[Address(name="Zoë", address="zoe@example.org"), Address(address="x@example.org")],
        cc=[Address(name="日本語の名前", address="c@example.org")],
        bcc=[Address(name="Hidden", address="hidden@example.org")],
        subject="Réunion",
        priority="high",
        receipt_to=Address(address="andre@example.net"),
        in_reply_to="<p@example.org>",
        references=["<root@example.org>", "<p@example.org>"],
    )
    head = header_block(build_message(m, include_bcc=True))
    assert "From: =?utf-8?q?Andr=C3=A9_Dupont?= <andre@example.net>\r\n" in head
    assert 'Reply-To: "Support, Team" <support@example.net>\r\n' in head
    assert "To: =?utf-8?q?Zo=C3=AB?= <zoe@example.org>, x@example.org\r\n" in head
    assert "Cc: =?utf-8?b?5pel5pys6Kqe44Gu5ZCN5YmN?= <c@example.org>\r\n" in head
    assert "Bcc: Hidden <hidden@example.org>\r\n" in head
    assert "Subject: =?utf-8?q?R=C3=A9union?=\r\n" in head
    assert "In-Reply-To: <p@example.org>\r\n" in head
    assert "References: <root@example.org> <p@example.org>\r\n" in head
    assert "X-Priority: 1 (Highest)\r\nImportance: high\r\n" in head
    assert "Disposition-Notification-To: andre@example.net\r\n" in head
    assert head.isascii()
    msg = parse(build_message(m, include_bcc=True))
    assert msg["Subject"] == "Réunion"
    assert msg["From"].addresses[0].display_name == "André Dupont"
    assert [a.addr_spec for a in msg["To"].addresses] == ["zoe@example.org", "x@example.org"]
    assert msg["Cc"].addresses[0].display_name == "日本語の名前"
    assert msg["Date"].datetime == DATE


def test_bcc_only_in_the_kept_copy() -> None:
    m = outgoing(bcc=[Address(address="hidden@example.org")])
    sent = build_message(m, include_bcc=False)
    kept = build_message(m, include_bcc=True)
    assert b"hidden@example.org" not in sent
    assert b"\r\nBcc: hidden@example.org\r\n" in kept
    assert kept.replace(b"Bcc: hidden@example.org\r\n", b"") == sent


@pytest.mark.parametrize(
    ("priority", "lines"),
    [
        ("high", ["X-Priority: 1 (Highest)", "Importance: high"]),
        ("low", ["X-Priority: 5 (Lowest)", "Importance: low"]),
        ("normal", []),
    ],
)
def test_priority_headers(priority: str, lines: list[str]) -> None:
    head = header_block(build_message(outgoing(priority=priority), include_bcc=False))
    found = [line for line in head.split("\r\n") if line.startswith(("X-Priority", "Importance"))]
    assert found == lines


def test_naive_date_is_utc() -> None:
    raw = build_message(outgoing(date=datetime(2026, 1, 2, 3, 4, 5)), include_bcc=False)
    assert b"Date: Fri, 02 Jan 2026 03:04:05 +0000\r\n" in raw


def test_long_headers_are_folded() -> None:
    m = outgoing(
        to=[Address(name=f"Person number {i}", address=f"p{i}@example.org") for i in range(12)],
        subject="Réunion du comité — une très longue ligne de sujet qui doit être pliée " * 3,
        references=[f"<ref{i}.abcdefghijklmnop@example.org>" for i in range(30)],
    )
    raw = build_message(m, include_bcc=False)
    head = header_block(raw)
    assert max(len(line) for line in head.split("\r\n")) <= 78
    msg = parse(raw)
    assert len(msg["To"].addresses) == 12
    assert msg["Subject"] == m.subject.strip()
    assert msg["References"].split() == m.references


def test_non_ascii_addresses_stay_utf8() -> None:
    m = outgoing(to=[Address(name="Ü", address="üser@exämple.org")])
    raw = build_message(m, include_bcc=False)
    assert "To: =?utf-8?b?w5w=?= <üser@exämple.org>\r\n".encode() in raw


@pytest.mark.parametrize(
    "address", ["", "no-at-sign", "a@", "@b.org", "a b@c.org", "a@b.org\r\nBcc: x@y", "<a@b.org>"]
)
def test_invalid_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError):
        build_message(outgoing(to=[Address(address=address)]), include_bcc=False)


def test_header_injection_in_names_and_subject_is_neutralised() -> None:
    m = outgoing(
        sender=Address(name="Eve\r\nBcc: victim@example.org", address="eve@example.net"),
        subject="Hi\r\nBcc: victim@example.org",
    )
    raw = build_message(m, include_bcc=False)
    assert b"\r\nBcc:" not in raw
    assert parse(raw)["Subject"] == "Hi  Bcc: victim@example.org"


def test_message_id_must_be_a_msg_id_and_bad_references_are_dropped() -> None:
    with pytest.raises(ValueError):
        build_message(outgoing(message_id="<has space@x>"), include_bcc=False)
    raw = build_message(
        outgoing(message_id="bare@example.net", references=["<ok@x>", "not one", "<ok@x>"]),
        include_bcc=False,
    )
    assert b"Message-ID: <bare@example.net>\r\n" in raw
    assert b"References: <ok@x>\r\n" in raw


def test_text_only_structure() -> None:
    msg = parse(build_message(outgoing(text="Hi\nthere"), include_bcc=False))
    assert structure(msg) == "text/plain"
    assert content(msg) == "Hi\nthere\n"


def test_html_only_gets_a_generated_text_alternative() -> None:
    raw = build_message(outgoing(text=None, html="<p>Hello <b>world</b></p>"), include_bcc=False)
    msg = parse(raw)
    assert structure(msg) == ("multipart/alternative", ["text/plain", "text/html"])
    text, html = list(msg.iter_parts())
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert content(text) == "Hello world\n"
    assert content(html) == "<p>Hello <b>world</b></p>\n"


def test_html_without_text_content_stays_html_only() -> None:
    msg = parse(build_message(outgoing(text=None, html='<img src="x.png">'), include_bcc=False))
    assert structure(msg) == "text/html"


def test_no_body_at_all_is_an_empty_text() -> None:
    msg = parse(build_message(outgoing(text=None), include_bcc=False))
    assert structure(msg) == "text/plain"
    assert content(msg) == "\n"


def test_full_structure_with_inline_images_and_attachments() -> None:
    m = outgoing(
        text="See the logo",
        html='<p>See <img src="cid:logo@x"></p>',
        attachments=[
            OutgoingAttachment(filename="report.pdf", content_type="application/pdf", data=b"%PDF"),
            OutgoingAttachment(
                filename="logo.png",
                content_type="image/png",
                data=PNG,
                content_id="<logo@x>",
                inline=True,
            ),
            OutgoingAttachment(filename="résumé été.txt", content_type="text/plain", data=b"cv"),
        ],
    )
    raw = build_message(m, include_bcc=False)
    assert_wire_format(raw)
    msg = parse(raw)
    assert structure(msg) == (
        "multipart/mixed",
        [
            (
                "multipart/alternative",
                ["text/plain", ("multipart/related", ["text/html", "image/png"])],
            ),
            "application/pdf",
            "text/plain",
        ],
    )
    parts = list(msg.walk())
    related = next(p for p in parts if p.get_content_type() == "multipart/related")
    assert related.get_param("type") == "text/html"
    image = next(p for p in parts if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo@x>"
    assert image.get_content_disposition() == "inline"
    assert image["Content-Transfer-Encoding"] == "base64"
    assert image.get_content() == PNG
    cv = parts[-1]
    assert cv.get_content_disposition() == "attachment"
    assert cv.get_filename() == "résumé été.txt"
    assert b"filename*=utf-8''r%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.txt" in raw
    assert cv.get_payload(decode=True) == b"cv"


def test_inline_attachments_without_html_stay_in_mixed() -> None:
    m = outgoing(
        attachments=[
            OutgoingAttachment(
                filename="a.png",
                content_type="image/png",
                data=PNG,
                content_id="<a@x>",
                inline=True,
            ),
            OutgoingAttachment(filename="b.png", content_type="image/png", data=PNG, inline=True),
        ]
    )
    msg = parse(build_message(m, include_bcc=False))
    assert structure(msg) == ("multipart/mixed", ["text/plain", "image/png", "image/png"])
    assert [p.get_content_disposition() for p in list(msg.iter_parts())[1:]] == ["inline"] * 2


def test_html_image_without_content_id_is_not_related() -> None:
    m = outgoing(
        html="<p>x</p>",
        attachments=[
            OutgoingAttachment(filename="b.png", content_type="image/png", data=PNG, inline=True)
        ],
    )
    msg = parse(build_message(m, include_bcc=False))
    assert structure(msg) == (
        "multipart/mixed",
        [("multipart/alternative", ["text/plain", "text/html"]), "image/png"],
    )


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/pdf; name=x.pdf", "application/pdf"),
        ("IMAGE/PNG", "image/png"),
        ("nonsense", "application/octet-stream"),
        ("multipart/mixed", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_attachment_content_types(content_type: str, expected: str) -> None:
    m = outgoing(
        attachments=[OutgoingAttachment(filename="f", content_type=content_type, data=b"x")]
    )
    parts = list(parse(build_message(m, include_bcc=False)).iter_parts())
    assert parts[1].get_content_type() == expected


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("plain short lines\nonly", "7bit"),
        ("trailing space \nhere", "quoted-printable"),
        ("x" * 100, "quoted-printable"),
        ("Déjà vu, mostly ASCII text", "quoted-printable"),
        ("日本語のテキストです。" * 3, "base64"),
        ("form\x0cfeed", "quoted-printable"),
    ],
)
def test_text_transfer_encoding(text: str, encoding: str) -> None:
    raw = build_message(outgoing(text=text), include_bcc=False)
    msg = parse(raw)
    assert msg["Content-Transfer-Encoding"] == encoding
    assert content(msg) == text + "\n"
    assert_wire_format(raw)


def test_long_lines_and_crlf_on_the_wire() -> None:
    text = "a\r\nb\rc\n" + "é" * 2000 + "\n" + "x" * 5000 + "\n.\nFrom me\n"
    raw = build_message(outgoing(text=text, html="<p>" + "y" * 3000 + "</p>"), include_bcc=False)
    assert_wire_format(raw)
    body = parse(raw).get_body(preferencelist=("plain",))
    assert body is not None
    assert content(body) == text.replace("\r\n", "\n").replace("\r", "\n") + "\n"


def test_lines_starting_with_from_are_not_mangled() -> None:
    raw = build_message(outgoing(text="From here\nto there"), include_bcc=False)
    assert b"\r\nFrom here\r\nto there\r\n" in raw
    assert b">From" not in raw


def test_forwarded_message_attachment_is_kept_as_is() -> None:
    original = b"From: a@example.org\nSubject: hi\n\nbody \xc3\xa9\n"
    m = outgoing(
        attachments=[
            OutgoingAttachment(filename="hi.eml", content_type="message/rfc822", data=original)
        ]
    )
    raw = build_message(m, include_bcc=False)
    assert_wire_format(raw)
    assert b"Content-Transfer-Encoding: 8bit\r\n" in raw
    assert original.replace(b"\n", b"\r\n") in raw
    inner = list(parse(raw).iter_parts())[1]
    assert inner.get_content_type() == "message/rfc822"
    attached = inner.get_content()
    assert attached["Subject"] == "hi"


def test_same_input_same_bytes_and_boundaries_follow_content() -> None:
    m = outgoing(html="<p>x</p>", attachments=[OutgoingAttachment(filename="a", data=b"1")])
    assert build_message(m, include_bcc=True) == build_message(m, include_bcc=True)
    other = m.model_copy(update={"text": "changed"})
    boundary = parse(build_message(m, include_bcc=True)).get_boundary()
    assert boundary is not None and boundary.startswith("=_")
    assert boundary != parse(build_message(other, include_bcc=True)).get_boundary()


def test_make_message_id() -> None:
    assert make_message_id("01HX3Y5Z", "Example.NET") == "<01HX3Y5Z@example.net>"
    assert make_message_id("01HX3Y5Z", "example.net") == make_message_id("01HX3Y5Z", "example.net")
    weird = make_message_id("event id with spaces <>", "example.net")
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.net>", weird)
    assert weird == make_message_id("event id with spaces <>", "example.net")
    assert make_message_id("a", "bücher.example") == "<a@xn--bcher-kva.example>"
    with pytest.raises(ValueError):
        make_message_id("a", "not a domain")
