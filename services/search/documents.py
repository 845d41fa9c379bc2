"""What the index keeps of a message: its summary, its body text, and the text of its
text-like attachments (text/*, HTML, PDF), bounded so one huge attachment cannot swamp
the index or stall the indexer."""

from __future__ import annotations

import io
import logging
from email import policy
from email.message import Message
from email.parser import BytesParser

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from shared.mail.html_text import html_to_text
from shared.mail.mime import parse_message
from shared.model import Attachment, MessageSummary
from shared.ports.index import IndexDocument

log = logging.getLogger(__name__)

MAX_ATTACHMENT_TEXT = 1_000_000  # characters kept per message from all its attachments
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 200


def index_document(summary: MessageSummary, raw: bytes) -> IndexDocument:
    parsed = parse_message(raw)
    body = parsed.text_body or html_to_text(parsed.html_body)
    return IndexDocument(
        account_id=summary.account_id,
        message_id=summary.id,
        folder_id=summary.folder_id,
        subject=summary.subject,
        sender=summary.sender.display() if summary.sender else "",
        to=", ".join(a.display() for a in summary.to),
        cc=", ".join(a.display() for a in summary.cc),
        body=body,
        attachment_names=[a.filename for a in parsed.attachments],
        attachment_text=attachment_text(raw) if any(map(_has_text, parsed.attachments)) else "",
        tags=summary.tags,
        date=summary.date,
        size=summary.size,
        unread=summary.unread,
        flagged=summary.flagged,
        has_attachments=summary.has_attachments,
        modseq=summary.modseq,
    )


def _has_text(attachment: Attachment) -> bool:
    kind = attachment.content_type
    return kind.startswith("text/") or kind == "application/pdf"


def attachment_text(raw: bytes) -> str:
    """The text of every text-like attachment, up to MAX_ATTACHMENT_TEXT characters."""
    message = BytesParser(policy=policy.compat32).parsebytes(raw)
    texts: list[str] = []
    budget = MAX_ATTACHMENT_TEXT
    for part in message.walk():
        if budget <= 0 or part.is_multipart() or not _is_attachment(part):
            continue
        text = _text_of(part)[:budget]
        texts.append(text)
        budget -= len(text)
    return "\n".join(t for t in texts if t)


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment" or part.get_filename() is not None
    except Exception:  # noqa: BLE001 - a malformed header: treat as not an attachment
        return False


def _text_of(part: Message) -> str:
    ctype = part.get_content_type()
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    if ctype == "application/pdf":
        return _pdf_text(payload)
    if not ctype.startswith("text/"):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:
        text = payload.decode("latin-1", "replace")
    return html_to_text(text) if ctype == "text/html" else text


def _pdf_text(data: bytes) -> str:
    # A PDF starts with its header within the first 1024 bytes (ISO 32000-1 §7.5.2);
    # anything else is not worth a parser's time.
    if len(data) > MAX_PDF_BYTES or b"%PDF-" not in data[:1024]:
        return ""
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:MAX_PDF_PAGES]
        return "\n".join(page.extract_text() or "" for page in pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        log.info("PDF attachment not indexed: %s", exc)
        return ""
