"""The fax document: a hand-written cover PDF, then the PDF attachments merged with pypdf."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from services.notify.fax import LINES_PER_PAGE, TEXT_WIDTH, _width, fax_document, text_pdf, wrap


def _pdf(*page_texts: str) -> bytes:
    """A PDF with one page per text (made by our own writer, merged by pypdf)."""
    writer = PdfWriter()
    for text in page_texts:
        writer.append(PdfReader(io.BytesIO(text_pdf(text))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _read(data: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(data), strict=True)  # strict: our PDF must be well formed
    return reader


def _texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def test_cover_only() -> None:
    data = fax_document("Dear Sir,\nplease find the (signed) offer.\nRegards \\ Anne", [])
    assert data.startswith(b"%PDF-")
    reader = _read(data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (595, 842)
    text = _texts(reader)[0]
    assert "Dear Sir," in text
    assert "please find the (signed) offer." in text
    assert "Regards \\ Anne" in text
    resources: Any = reader.pages[0]["/Resources"]
    font = resources["/Font"]["/F1"]
    assert font["/BaseFont"] == "/Helvetica"
    assert font["/Encoding"] == "/WinAnsiEncoding"


def test_winansi_text() -> None:
    reader = _read(fax_document("Prix : 12 € — déjà payé, Grüße, naïve", []))
    assert "Prix : 12 € — déjà payé, Grüße, naïve" in _texts(reader)[0]
    # Characters WinAnsi has not become "?", they do not break the page.
    assert "a ? b" in _texts(_read(fax_document("a 中 b", [])))[0]


def test_empty_cover_is_one_blank_page() -> None:
    reader = _read(fax_document("", []))
    assert len(reader.pages) == 1
    assert _texts(reader)[0].strip() == ""


def test_long_lines_are_wrapped_to_the_page() -> None:
    sentence = " ".join(["wrapping"] * 200)
    lines = wrap(sentence)
    assert len(lines) > 5
    assert all(_width(line) <= TEXT_WIDTH for line in lines)
    assert " ".join(lines) == sentence
    word = "x" * 500  # longer than a line: cut
    assert "".join(wrap(word)) == word
    assert all(_width(line) <= TEXT_WIDTH for line in wrap(word))
    assert wrap("a\n\nb") == ["a", "", "b"]
    reader = _read(fax_document(sentence, []))
    assert len(reader.pages) == 1
    assert " ".join(_texts(reader)[0].split()) == sentence


def test_long_text_takes_several_pages() -> None:
    lines = [f"line {i}" for i in range(LINES_PER_PAGE * 2 + 5)]
    reader = _read(fax_document("\n".join(lines), []))
    assert len(reader.pages) == 3
    first, second, third = _texts(reader)
    assert "line 0" in first and f"line {LINES_PER_PAGE - 1}" in first
    assert f"line {LINES_PER_PAGE}\n" not in first + "\n"
    assert f"line {LINES_PER_PAGE}" in second.split("\n")[0]
    assert third.split() == [
        w for i in range(LINES_PER_PAGE * 2, LINES_PER_PAGE * 2 + 5) for w in ("line", str(i))
    ]


def test_pdf_attachments_follow_the_cover() -> None:
    attachments = [
        ("offer.pdf", "application/pdf", _pdf("Offer page one", "Offer page two")),
        ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not a pdf"),
        ("terms.pdf", "application/octet-stream", _pdf("Terms")),  # by its bytes
        ("broken.pdf", "application/pdf", b"%PDF-1.4\nthis is not really a PDF"),
        ("notes.txt", "", b"plain"),
    ]
    reader = _read(fax_document("Cover note", attachments))
    texts = _texts(reader)
    assert len(texts) == 4
    assert "Cover note" in texts[0]
    assert "not faxed: photo.jpg (image/jpeg)" in texts[0]
    assert "not faxed: broken.pdf (application/pdf)" in texts[0]
    assert "not faxed: notes.txt (unknown type)" in texts[0]
    assert "offer.pdf" not in texts[0]
    assert "terms.pdf" not in texts[0]
    assert "Offer page one" in texts[1]
    assert "Offer page two" in texts[2]
    assert "Terms" in texts[3]


def test_encrypted_pdf_is_not_faxed() -> None:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf("secret"))))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    reader = _read(fax_document("", [("locked.pdf", "application/pdf", out.getvalue())]))
    assert len(reader.pages) == 1
    assert "not faxed: locked.pdf (application/pdf)" in _texts(reader)[0]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_only_unfaxable_attachments(count: int) -> None:
    attachments = [(f"f{i}.png", "image/png", b"\x89PNG") for i in range(count)]
    reader = _read(fax_document("Hello", attachments))
    assert len(reader.pages) == 1
    for i in range(count):
        assert f"not faxed: f{i}.png (image/png)" in _texts(reader)[0]


def test_cover_xref_points_at_each_object() -> None:
    """Readers repair a broken cross-reference table silently; fax services may not."""
    data = text_pdf("\n".join(f"line {i}" for i in range(LINES_PER_PAGE + 1)))
    assert data.rstrip().endswith(b"%%EOF")
    start = int(data.rstrip().split(b"\n")[-2])
    assert data[start:].startswith(b"xref\n0 ")
    table = data[start:].split(b"trailer")[0].split(b"\n")
    count = int(table[1].split()[1])
    entries = table[2 : 2 + count]
    assert entries[0] == b"0000000000 65535 f "
    for number, entry in enumerate(entries[1:], start=1):
        offset, generation, kind = entry.split()
        assert (generation, kind) == (b"00000", b"n")
        assert data[int(offset) :].startswith(b"%d 0 obj\n" % number)
    assert b"/Size %d " % count in data
    assert b"/Count 2 " in data
