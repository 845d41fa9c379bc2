"""What the indexer extracts from a message: body text, tags, attachment names and text."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

from services.search.documents import attachment_text, index_document
from shared.model import Address, MessageSummary
from tests.factories import make_pdf


def summary(**fields: object) -> MessageSummary:
    base: dict[str, object] = {
        "id": "m1", "account_id": "a1", "folder_id": "f1", "blob_id": "b", "subject": "s",
        "sender": Address(name="Bob", address="bob@example.net"), "to": [], "cc": [],
        "date": datetime(2026, 1, 1, tzinfo=UTC), "received_at": datetime(2026, 1, 1, tzinfo=UTC),
        "size": 10, "unread": True, "flagged": False, "has_attachments": True,
        "thread_id": "t", "modseq": 3, "tags": ["urgent"],
    }  # fmt: skip
    base.update(fields)
    return MessageSummary.model_validate(base)


def message_with_attachments() -> bytes:
    msg = EmailMessage()
    msg["Subject"] = "files"
    msg.set_content("see the files")
    msg.add_attachment("plain ledger notes\n", filename="notes.txt")
    msg.add_attachment("<p>html <b>receipt</b></p><script>nope()</script>", subtype="html",
                       filename="r.html")  # fmt: skip
    msg.add_attachment(make_pdf("quarterly balance sheet"), maintype="application",
                       subtype="pdf", filename="balance.pdf")  # fmt: skip
    msg.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream",
                       filename="blob.bin")  # fmt: skip
    msg.add_attachment(b"%PDF-1.4 broken", maintype="application", subtype="pdf",
                       filename="broken.pdf")  # fmt: skip
    return msg.as_bytes(policy=policy.SMTP)


def test_attachment_text_of_text_html_and_pdf() -> None:
    text = attachment_text(message_with_attachments())
    assert "plain ledger notes" in text
    assert "html receipt" in text and "nope" not in text
    assert "quarterly balance sheet" in text
    assert "binary" not in text


def test_index_document() -> None:
    doc = index_document(summary(), message_with_attachments())
    assert doc.body.strip() == "see the files"
    assert doc.attachment_names == ["notes.txt", "r.html", "balance.pdf", "blob.bin", "broken.pdf"]
    assert "quarterly balance sheet" in doc.attachment_text
    assert doc.tags == ["urgent"] and doc.modseq == 3 and doc.sender == "Bob <bob@example.net>"


def test_html_only_body_is_indexed_as_text() -> None:
    msg = EmailMessage()
    msg.set_content("<p>Hello <b>world</b></p><style>p{}</style>", subtype="html")
    doc = index_document(summary(has_attachments=False), msg.as_bytes(policy=policy.SMTP))
    assert doc.body.split() == ["Hello", "world"]
