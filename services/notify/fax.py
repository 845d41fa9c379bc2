"""The document a fax sends: a cover page with the message's text, then its PDF attachments.

The cover is written here as a minimal PDF (A4, the standard Type1 font Helvetica with
WinAnsiEncoding, which every PDF reader and fax service has; no font embedded, no new
dependency): the text wrapped to the page width with Helvetica's metrics, over as many
pages as it takes. Characters WinAnsi cannot encode become `?`. PDF attachments (by their
bytes, `%PDF-`, whatever their declared type) are appended with pypdf; any other
attachment, and a PDF that cannot be read (broken, or encrypted with a password), is
listed on the cover as "not faxed: name (type)".
"""

from __future__ import annotations

import io
import logging
import zlib

from pypdf import PdfReader, PdfWriter

log = logging.getLogger(__name__)

PAGE_WIDTH = 595  # A4 in points
PAGE_HEIGHT = 842
MARGIN = 56  # about 2 cm
FONT_SIZE = 11
LEADING = 14
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

# Helvetica advance widths (AFM, 1/1000 em) of ASCII 32..126.
_ASCII_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip


def _char_width(c: str) -> int:
    code = ord(c)
    if 32 <= code < 127:
        return _ASCII_WIDTHS[code - 32]
    if 0xC0 <= code <= 0xFF and c not in "Ææ":
        return 722  # Latin-1 letters: no wider than their widest base letter
    return 1000  # anything else (Æ, —, …, €): never narrower than it is


def _width(text: str) -> float:
    """Width of `text` in points at FONT_SIZE (an upper bound beyond ASCII)."""
    return sum(_char_width(c) for c in text) * FONT_SIZE / 1000


def _fits(text: str) -> bool:
    return _width(text) <= TEXT_WIDTH


def wrap(text: str) -> list[str]:
    """`text` as lines that fit the page width: paragraphs kept, words wrapped, a word
    longer than a line cut."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        paragraph = "".join(" " if c == "\t" else c for c in paragraph if c == "\t" or c >= " ")
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _fits(candidate):
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            while word and not _fits(word):
                cut = len(word) - 1
                while cut > 1 and not _fits(word[:cut]):
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _pdf_string(line: str) -> bytes:
    data = line.encode("cp1252", errors="replace")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _page_content(lines: list[str]) -> bytes:
    top = PAGE_HEIGHT - MARGIN - FONT_SIZE
    out = [b"BT", b"/F1 %d Tf" % FONT_SIZE, b"%d TL" % LEADING, b"%d %d Td" % (MARGIN, top)]
    for i, line in enumerate(lines):
        if i:
            out.append(b"T*")
        out.append(_pdf_string(line) + b" Tj")
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def text_pdf(text: str) -> bytes:
    """A PDF of `text` in Helvetica 11 on A4 pages (at least one, blank for no text)."""
    lines = wrap(text)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    # Objects: 1 catalog, 2 page tree, 3 font, then a page and its content per page.
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % p for p in page_ids), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for page_id, page_lines in zip(page_ids, pages, strict=True):
        stream = zlib.compress(_page_content(page_lines))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, page_id + 1)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _readable_pdf(data: bytes) -> PdfReader | None:
    if b"%PDF-" not in data[:1024]:
        return None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        if len(reader.pages) == 0:
            return None
        return reader
    except Exception as exc:  # noqa: BLE001 - any broken PDF is left out, not fatal
        log.info("attachment is not a readable PDF: %s", exc)
        return None


def fax_document(cover_text: str, attachments: list[tuple[str, str, bytes]]) -> bytes:
    """One PDF to fax: the cover page(s) with `cover_text`, then each PDF attachment's pages.
    `attachments` are (name, content type, bytes); those that are not readable PDFs are
    listed at the end of the cover text."""
    readers: list[PdfReader] = []
    left_out: list[str] = []
    for name, content_type, data in attachments:
        reader = _readable_pdf(data)
        if reader is None:
            left_out.append(f"not faxed: {name} ({content_type or 'unknown type'})")
        else:
            readers.append(reader)
    text = cover_text.rstrip()
    if left_out:
        text = (text + "\n\n" if text else "") + "\n".join(left_out)
    cover = text_pdf(text)
    if not readers:
        return cover
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    for reader in readers:
        writer.append(reader)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
