"""What SMS and fax recipients get of a message: the text body, the cover page and the
attachments that go into the fax document."""

from __future__ import annotations

import io
from email import policy
from email.message import EmailMessage

from pypdf import PdfReader

from services.notify.content import attachments, body_text, fax_cover, sms_text
from services.notify.fax import fax_document
from shared.mail.mime import parse_message
from tests.factories import make_pdf, make_raw


def test_sms_text_is_the_text_body_with_lf_line_ends() -> None:
    raw = make_raw(body="Meet at 10.\r\nBring the keys.  \n\n\n", attachment=("a.bin", b"\0"))
    assert sms_text(parse_message(raw)) == "Meet at 10.\nBring the keys."


def test_html_only_mail_is_sent_as_its_text() -> None:
    msg = EmailMessage()
    msg["From"] = "bob@example.net"
    msg["Subject"] = "Menu"
    msg.set_content("<p>Soup <b>and</b> bread</p><p>Tea</p>", subtype="html")
    text = sms_text(parse_message(msg.as_bytes(policy=policy.SMTP)))
    assert "<" not in text
    assert text.split() == ["Soup", "and", "bread", "Tea"]


def test_a_message_without_body_sends_its_subject() -> None:
    raw = make_raw(subject="Call   me back", body="\n")
    assert sms_text(parse_message(raw)) == "Call me back"


def test_fax_cover_names_sender_recipient_and_subject_then_the_body() -> None:
    raw = make_raw(sender="Bob Martin <bob@example.net>", subject="Offer", body="Dear Sir,\nhere.")
    cover = fax_cover(parse_message(raw), "+3225123456")
    head, _, body = cover.partition("\n\n")
    assert "From: Bob Martin <bob@example.net>" in head.splitlines()
    assert "To: +3225123456" in head.splitlines()
    assert "Subject: Offer" in head.splitlines()
    assert body == "Dear Sir,\nhere.\n"


def _with_attachments() -> bytes:
    msg = EmailMessage()
    msg["From"] = "bob@example.net"
    msg["To"] = "+3225123456@fax"
    msg["Subject"] = "Contract"
    msg.set_content("Please sign page 2.")
    msg.add_alternative("<p>Please sign page 2.</p>", subtype="html")
    msg.add_attachment(make_pdf("Contract page"), maintype="application", subtype="pdf",
                       filename="contract.pdf")  # fmt: skip
    msg.add_attachment(b"PK\x03\x04zip", maintype="application", subtype="zip",
                       filename="scans.zip")  # fmt: skip
    msg.add_attachment("notes", subtype="plain", filename="notes.txt")
    return msg.as_bytes(policy=policy.SMTP)


def test_attachments_are_every_part_but_the_bodies() -> None:
    found = attachments(_with_attachments())
    assert [(name, ctype) for name, ctype, _ in found] == [
        ("contract.pdf", "application/pdf"),
        ("scans.zip", "application/zip"),
        ("notes.txt", "text/plain"),
    ]
    assert found[0][2].startswith(b"%PDF-")
    assert found[1][2] == b"PK\x03\x04zip"


def test_the_fax_document_is_the_cover_then_the_pdf_pages() -> None:
    raw = _with_attachments()
    parsed = parse_message(raw)
    pdf = fax_document(fax_cover(parsed, "+3225123456"), attachments(raw))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    cover = reader.pages[0].extract_text()
    assert "Please sign page 2." in cover
    assert "not faxed: scans.zip (application/zip)" in cover
    assert "not faxed: notes.txt (text/plain)" in cover
    assert "Contract page" in reader.pages[1].extract_text()


def test_broken_mail_has_no_attachments_and_some_text() -> None:
    raw = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\nno boundary here\r\n"
    assert attachments(raw) == []
    assert body_text(parse_message(raw)) == "no boundary here"
