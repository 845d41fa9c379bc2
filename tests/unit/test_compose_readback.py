"""read_back(build_message(m)) gives m back; shared.mail.mime and the gateway read it alike."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.gateway.attachments import extract_part
from shared.mail.compose.build import build_message, generated_text, normalise_lines, one_line
from shared.mail.compose.readback import read_back
from shared.mail.compose.types import Outgoing, OutgoingAttachment
from shared.mail.mime import parse_message
from shared.model import Address

DATE = datetime(2026, 11, 2, 10, 0, 30, 123456, tzinfo=timezone(timedelta(hours=-5)))
RANDOM = random.Random(5).randbytes(70_000)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3


def outgoing(**fields: object) -> Outgoing:
    values: dict[str, object] = {
        "sender": Address(name="Alice", address="alice@example.net"),
        "message_id": "<m1@example.net>",
        "date": DATE,
    }
    values.update(fields)
    return Outgoing.model_validate(values)


def attachment(name: str, data: bytes = b"data", **fields: object) -> OutgoingAttachment:
    return OutgoingAttachment.model_validate({"filename": name, "data": data, **fields})


def image(cid: str, name: str = "logo.png") -> OutgoingAttachment:
    return attachment(name, PNG, content_type="image/png", content_id=cid, inline=True)


TEXTS = [
    "",
    "Hello",
    "Hello\n",
    "Hello\n\n\n",
    "\n",
    "Windows\r\nline ends\r\n",
    "old Mac\rline ends",
    "From the start\nFrom here\n>From there",
    ".\n..\n.leading dot\n.",
    "trailing spaces   \ntrailing tab\t\n \n",
    "x" * 1500,
    "word " * 400,
    "Déjà vu — naïve café",
    "日本語のテキストです。\n" * 40,
    "emoji 😀🎉 and ZWJ 👩‍👩‍👧",
    "=?utf-8?q?looks_encoded?= and =41 and =\n",
    "vertical\x0btab, form\x0cfeed, \u2028line separator, \x85next line",
    "\tindented\n    spaces",
    "-- \nsignature-like\n--=_not-a-boundary",
]

HTMLS = [
    "<p>Hello</p>",
    "<html><head><title>t</title></head><body><p>Café</p>\r\n</body></html>\r\n",
    "<div>" + "y" * 2500 + "</div>",
    "<p>日本語</p>\n" * 30,
    "<p>trailing </p>   \n",
]

SUBJECTS = [
    "",
    "Hello",
    "Réunion du comité",
    "  padded  ",
    "double  space",
    "=?utf-8?q?not_an_encoded_word?=",
    "a " + "verylongword" * 10 + " end",
    "Re: Fwd: ünïcödé " * 8,
    "tab\tand\nnewline",
    'quotes " and \\ backslash',
    "😀",
]

NAMES = [
    "",
    "Bob",
    "Bob Smith",
    "Smith, Bob",
    "Bob (work)",
    'O"Neil \\ the "Great"',
    "J. R. R.",
    "André Dupont",
    "日本語の名前",
    "=?utf-8?q?x?=",
    "N" * 90,
    "with <angle> @ x: y;",
    "Ünïcödé, with comma",
]

ADDRESSES = [
    "bob@example.org",
    "first.last+tag@sub.example.org",
    "üser@exämple.org",
    "o'neil@example.org",
]


def normalised_expectation(m: Outgoing) -> dict[str, object]:
    """What read_back must give for m (the documented normalisations applied)."""

    def address(a: Address | None) -> Address | None:
        return None if a is None else Address(name=one_line(a.name), address=a.address)

    text = normalise_lines(m.text) if m.text is not None else None
    html = normalise_lines(m.html) if m.html is not None else None
    if text is None and html is None:
        text = ""
    related = [a for a in m.attachments if html is not None and a.inline and a.content_id]
    others = [a for a in m.attachments if a not in related]
    return {
        "sender": address(m.sender),
        "reply_to": address(m.reply_to),
        "to": [address(a) for a in m.to],
        "cc": [address(a) for a in m.cc],
        "bcc": [address(a) for a in m.bcc],
        "subject": one_line(m.subject),
        "text": text,
        "html": html,
        "attachments": [
            (a.filename, a.content_type, len(a.data), a.content_id, a.inline)
            for a in [*related, *others]
        ],
        "priority": m.priority,
        "receipt_to": address(m.receipt_to),
        "in_reply_to": m.in_reply_to,
        "references": m.references,
        "message_id": m.message_id,
        "date": m.date.replace(microsecond=0),
    }


def assert_round_trip(m: Outgoing) -> None:
    raw = build_message(m, include_bcc=True)
    back = read_back(raw)
    got: dict[str, object] = dict(back)  # field by field, Address values kept as models
    got["attachments"] = [
        (a.filename, a.content_type, a.size, a.content_id, a.inline) for a in back.attachments
    ]
    assert got == normalised_expectation(m)
    # The gateway serves each attachment by its part path.
    related = [a for a in m.attachments if m.html is not None and a.inline and a.content_id]
    in_order = [*related, *(a for a in m.attachments if a not in related)]
    assert [extract_part(raw, a.part).data for a in back.attachments] == [a.data for a in in_order]
    # The store's parser reads the same message.
    parsed = parse_message(raw)
    assert parsed.subject == back.subject
    assert parsed.to == back.to and parsed.cc == back.cc and parsed.sender == back.sender
    assert parsed.attachments == back.attachments
    assert parsed.message_id == m.message_id
    if back.text is not None:
        assert normalise_lines(parsed.text_body) == back.text + "\n"
    if back.html is not None:
        assert normalise_lines(parsed.html_body) == back.html + "\n"
    # Without Bcc, everything else reads back the same.
    sent = read_back(build_message(m, include_bcc=False))
    assert sent.bcc == []
    assert sent.model_copy(update={"bcc": back.bcc}) == back


@pytest.mark.parametrize("text", TEXTS)
def test_text_round_trip(text: str) -> None:
    assert_round_trip(outgoing(text=text, to=[Address(address="bob@example.org")]))


@pytest.mark.parametrize("text", TEXTS[:12])
@pytest.mark.parametrize("html", HTMLS)
def test_text_and_html_round_trip(text: str, html: str) -> None:
    m = outgoing(text=text, html=html)
    if normalise_lines(text) == generated_text(html):  # documented: it reads back as None
        assert read_back(build_message(m, include_bcc=True)).text is None
    else:
        assert_round_trip(m)


@pytest.mark.parametrize("html", [*HTMLS, "", '<img src="cid:x">', "<p>\u00a0</p>"])
def test_html_only_reads_back_without_text(html: str) -> None:
    m = outgoing(html=html)
    assert_round_trip(m)
    assert read_back(build_message(m, include_bcc=True)).text is None


def test_no_body_reads_back_as_empty_text() -> None:
    back = read_back(build_message(outgoing(), include_bcc=True))
    assert (back.text, back.html) == ("", None)


def test_text_equal_to_the_generated_one_reads_back_as_none() -> None:
    html = "<p>Hello <b>world</b></p>"
    back = read_back(
        build_message(outgoing(text=generated_text(html), html=html), include_bcc=True)
    )
    assert (back.text, back.html) == (None, html)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subject_round_trip(subject: str) -> None:
    assert_round_trip(outgoing(subject=subject, text="x"))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("address", ADDRESSES)
def test_address_round_trip(name: str, address: str) -> None:
    a = Address(name=name, address=address)
    assert_round_trip(
        outgoing(
            sender=a,
            reply_to=a,
            to=[a, Address(name="Second", address="second@example.org")],
            cc=[a],
            bcc=[a, Address(address="b2@example.org")],
            receipt_to=a,
            text="x",
        )
    )


def test_many_recipients_round_trip() -> None:
    people = [Address(name=f"Pérsön {i}, Jr.", address=f"p{i}@example.org") for i in range(60)]
    assert_round_trip(outgoing(to=people[:30], cc=people[30:50], bcc=people[50:], text="x"))


@pytest.mark.parametrize("priority", ["high", "normal", "low"])
def test_priority_and_threading_round_trip(priority: str) -> None:
    assert_round_trip(
        outgoing(
            priority=priority,
            in_reply_to="<parent@example.org>",
            references=[f"<r{i}.{'x' * 40}@example.org>" for i in range(25)],
            text="x",
        )
    )


@pytest.mark.parametrize(
    "attachments",
    [
        [attachment("report.pdf", b"%PDF-1.7", content_type="application/pdf")],
        [attachment("résumé été 2026.pdf", RANDOM, content_type="application/pdf")],
        [attachment("日本語のファイル名.txt", "テキスト".encode(), content_type="text/plain")],
        [attachment('a "quoted"; name, with = signs.txt')],
        [attachment("x" * 150 + "é.bin")],
        [attachment("empty.bin", b"")],
        [attachment("page.html", b"<p>attached page</p>", content_type="text/html")],
        [attachment("mail.json", b'{"a": 1}\n', content_type="application/json")],
        [attachment("same.txt", b"1"), attachment("same.txt", b"22")],
        [image("<logo@example.net>"), image("<photo@example.net>", "photo.png")],
        [image("<logo@example.net>"), attachment("after.pdf", RANDOM[:1000])],
        [attachment("before.pdf"), image("<logo@example.net>"), attachment("after.zip")],
        [attachment("loose.png", PNG, content_type="image/png", inline=True)],
        [attachment("cid-only.png", PNG, content_type="image/png", content_id="<c@x>")],
    ],
)
@pytest.mark.parametrize(
    "bodies", [{"text": "See attached"}, {"html": '<p>See <img src="cid:logo@example.net"></p>'}]
)
def test_attachments_round_trip(
    attachments: list[OutgoingAttachment], bodies: dict[str, str]
) -> None:
    assert_round_trip(outgoing(attachments=attachments, **bodies))


def test_everything_at_once() -> None:
    m = outgoing(
        sender=Address(name="André Dupont", address="andre@example.net"),
        reply_to=Address(name="Support, Team", address="support@example.net"),
        to=[Address(name="Zoë", address="zoe@example.org"), Address(address="üser@exämple.org")],
        cc=[Address(name="日本語の名前", address="c@example.org")],
        bcc=[Address(address="hidden@example.org")],
        subject="Réunion du comité — ordre du jour",
        text="Bonjour,\r\n\r\nFrom now on:\n. one\n> quoted\n" + "long " * 300,
        html='<p>Bonjour <img src="cid:logo@x"></p>',
        attachments=[
            image("<logo@x>"),
            attachment("ordre du jour.pdf", RANDOM, content_type="application/pdf"),
        ],
        priority="low",
        receipt_to=Address(name="André Dupont", address="andre@example.net"),
        in_reply_to="<p@example.org>",
        references=["<root@example.org>", "<p@example.org>"],
        date=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert_round_trip(m)
    back = read_back(build_message(m, include_bcc=True))
    assert [a.part for a in back.attachments] == ["1.2.2", "2"]


def test_forwarded_message_attachment() -> None:
    original = b"From: a@example.org\r\nSubject: hi\r\n\r\nbody \xc3\xa9\r\n"
    m = outgoing(
        text="Forwarding",
        attachments=[attachment("hi.eml", original, content_type="message/rfc822")],
    )
    raw = build_message(m, include_bcc=True)
    back = read_back(raw)
    assert [(a.part, a.filename, a.content_type) for a in back.attachments] == [
        ("2", "hi.eml", "message/rfc822")
    ]
    assert extract_part(raw, "2").data == original
    assert back.text == "Forwarding"


def test_read_back_of_foreign_and_broken_messages_does_not_raise() -> None:
    assert read_back(b"").text == ""
    back = read_back(
        b"From: x@example.org\r\nX-Priority: 2\r\nImportance: low\r\n"
        b"Content-Type: multipart/mixed; boundary=never\r\n\r\nno boundary"
    )
    assert back.priority == "high"
    assert back.text == "no boundary"
    assert read_back(b"Importance: Low\r\n\r\nx").priority == "low"
