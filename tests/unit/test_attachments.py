"""Attachments out of raw messages: part paths as shared.mail.mime numbers them, decoded bytes,
ZIP archives, file names and Content-Disposition headers."""

from __future__ import annotations

import io
import re
import zipfile
from email.message import EmailMessage

import pytest

from services.gateway.attachments import (
    ExtractedPart,
    PartNotFound,
    content_disposition,
    extract_part,
    safe_filename,
    zip_attachments,
)
from shared.mail.mime import parse_message
from shared.model import Attachment

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 100
LATIN1_TEXT = "Déjà vu, à bientôt\n"


def _inner_message() -> EmailMessage:
    inner = EmailMessage()
    inner["From"] = "carol@example.org"
    inner["Subject"] = "Forwarded original"
    inner.set_content("inner body\n")
    inner.add_attachment(b"INNER-PDF", maintype="application", subtype="pdf", filename="in.pdf")
    return inner


def _rich_message() -> bytes:
    msg = EmailMessage()
    msg["From"] = "bob@example.net"
    msg["To"] = "alice@example.test"
    msg["Subject"] = "Files"
    msg.set_content("See attached.\n")
    msg.add_alternative('<p>See attached. <img src="cid:logo@x"></p>', subtype="html")
    msg.make_mixed()
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="résumé.pdf")
    msg.add_attachment(PNG, maintype="image", subtype="png", disposition="inline", cid="<logo@x>")
    msg.add_attachment(_inner_message())
    msg.add_attachment(b"first", maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment(b"second", maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment(
        LATIN1_TEXT, subtype="plain", charset="iso-8859-1", cte="quoted-printable", filename="n.txt"
    )
    return msg.as_bytes()


RICH = _rich_message()
# An attached message is one attachment, extracted as the bytes it has inside RICH.
_START = RICH.index(b"From: carol@example.org")
_INNER_BOUNDARY = re.search(rb'boundary="([^"]+)"', RICH[_START:])
assert _INNER_BOUNDARY is not None
_CLOSE = b"--" + _INNER_BOUNDARY.group(1) + b"--\n"
INNER = RICH[_START : RICH.index(_CLOSE, _START) + len(_CLOSE)]

# part → (file name, content type, data, charset), as shared.mail.mime lists the attachments
RICH_PARTS: dict[str, tuple[str, str, bytes, str | None]] = {
    "2": ("résumé.pdf", "application/pdf", PDF, None),
    "3": ("part-3", "image/png", PNG, None),
    "4": ("message.eml", "message/rfc822", INNER, None),
    "5": ("report.pdf", "application/pdf", b"first", None),
    "6": ("report.pdf", "application/pdf", b"second", None),
    "7": ("n.txt", "text/plain", LATIN1_TEXT.encode("iso-8859-1"), "iso-8859-1"),
}


def test_part_paths_match_shared_mime() -> None:
    listed = parse_message(RICH).attachments
    assert [a.part for a in listed] == list(RICH_PARTS)
    for attachment in listed:
        part = extract_part(RICH, attachment.part)
        assert (part.filename, part.content_type) == (attachment.filename, attachment.content_type)
        if attachment.content_type != "message/rfc822":  # re-serialised: sizes may differ
            assert len(part.data) == attachment.size


@pytest.mark.parametrize("path", list(RICH_PARTS))
def test_extracted_bytes(path: str) -> None:
    filename, ctype, data, charset = RICH_PARTS[path]
    assert extract_part(RICH, path) == ExtractedPart(filename, ctype, data, charset)


def test_body_parts_too() -> None:
    assert extract_part(RICH, "1.1").data == b"See attached.\n"
    html = extract_part(RICH, "1.2")
    assert (html.content_type, html.charset) == ("text/html", "utf-8")
    assert html.data.startswith(b"<p>See attached.")


def test_attached_message_as_a_whole() -> None:
    inner = (
        b"From: carol@example.org\r\n"
        b"Subject: a long subject that the generator would fold if it were allowed to do so\r\n"
        b"References: <a@x>\r\n\t<b@x>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"caf\xc3\xa9\r\nFrom the start of a line\r\n"
    )
    raw = (
        b"Subject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--B--\r\n"
    )
    whole = extract_part(raw, "2")
    assert (whole.filename, whole.content_type) == ("message.eml", "message/rfc822")
    # The line end before the boundary belongs to the boundary (RFC 2046 §5.1.1).
    assert whole.data == inner.removesuffix(b"\r\n")
    assert [a.part for a in parse_message(raw).attachments] == ["2"]
    assert extract_part(raw, "2.1").data == b"caf\xc3\xa9\r\nFrom the start of a line"


def test_single_part_message() -> None:
    raw = b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
    assert extract_part(raw, "1") == ExtractedPart("part-1", "text/plain", b"hello\r\n", "utf-8")
    for path in ("2", "1.1", "0"):
        with pytest.raises(PartNotFound):
            extract_part(raw, path)


def test_single_part_attachment() -> None:
    msg = EmailMessage()
    msg["Subject"] = "only a file"
    msg.set_content(PDF, maintype="application", subtype="pdf", filename="a.pdf")
    part = extract_part(msg.as_bytes(), "1")
    assert (part.filename, part.data) == ("a.pdf", PDF)


@pytest.mark.parametrize(
    "path", ["", "0", "1", "4.1", "8", "2.1", "1.3", "01", "1.0", "a", "1..2", " 2", "-1"]
)
def test_part_not_found(path: str) -> None:
    # "1", "4.1": containers (multipart/alternative, the attached multipart message)
    with pytest.raises(PartNotFound):
        extract_part(RICH, path)


MALFORMED = (
    b"Subject: broken\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
    b"--B\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''bad%ZZname%C3.bin\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    b"aGVsbG8g d29y!!bGQ\r\n"  # stray space and junk, no padding
    b'--B\r\nContent-Type: application/pdf; name="q.pdf"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"a=3Db=\r\nc=E9=ZZ\r\n"
    b"--B\r\nContent-Type: multipart/related; boundary=NEVER\r\n"
    b'Content-Disposition: attachment; filename="lost.txt"\r\n\r\n'
    b"no inner boundary here\r\n"
    # and no closing boundary
)


def test_malformed_parts_decode_as_shared_mime_counts_them() -> None:
    listed = {a.part: a for a in parse_message(MALFORMED).attachments}
    assert list(listed) == ["2", "3", "4"]
    for path, attachment in listed.items():
        part = extract_part(MALFORMED, path)
        assert part.filename == attachment.filename
        assert part.content_type == attachment.content_type
        if attachment.content_type != "message/rfc822":  # re-serialised: sizes may differ
            assert len(part.data) == attachment.size
    assert extract_part(MALFORMED, "2").data.startswith(b"hello wor")
    assert extract_part(MALFORMED, "3") == ExtractedPart(
        "q.pdf", "application/pdf", b"a=bc\xe9=ZZ", None
    )
    lost = extract_part(MALFORMED, "4")
    assert (lost.filename, lost.content_type) == ("lost.txt", "text/plain")
    assert lost.data == b"no inner boundary here\r\n"


# --- ZIP ---------------------------------------------------------------------------------


def _zip_entries(data: bytes) -> list[tuple[str, bytes, int, int]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return [
            (info.filename, archive.read(info), info.flag_bits & 0x800, info.compress_type)
            for info in archive.infolist()
        ]


def test_zip_of_every_attachment() -> None:
    attachments = parse_message(RICH).attachments
    entries = _zip_entries(zip_attachments(RICH, attachments))
    assert [(name, data) for name, data, _, _ in entries] == [
        ("résumé.pdf", PDF),
        ("part-3", PNG),
        ("message.eml", INNER),
        ("report.pdf", b"first"),
        ("report (2).pdf", b"second"),
        ("n.txt", LATIN1_TEXT.encode("iso-8859-1")),
    ]
    utf8_flags = {name: flag for name, _, flag, _ in entries}
    assert utf8_flags["résumé.pdf"] == 0x800  # APPNOTE 4.4.4 bit 11: the name is UTF-8
    assert utf8_flags["report.pdf"] == 0
    assert {compression for *_, compression in entries} == {zipfile.ZIP_DEFLATED}


def test_zip_names_sanitised_and_unique() -> None:
    def att(part: str, filename: str) -> Attachment:
        return Attachment(part=part, filename=filename, content_type="x/y", size=0)

    attachments = [
        att("2", "../../etc/passwd"),
        att("5", "C:\\Windows\\win.ini"),
        att("6", "\x00\x1b[31m"),
        att("7", "Report.PDF"),
        att("2", "report.pdf"),
        att("5", "report (2).pdf"),
        att("6", "..."),
        att("7", "notes"),
        att("2", "NOTES"),
    ]
    names = [name for name, *_ in _zip_entries(zip_attachments(RICH, attachments))]
    assert names == [
        "_._etc_passwd",
        "C__Windows_win.ini",
        "[31m",
        "Report.PDF",
        "report (2).pdf",
        "report (2) (2).pdf",
        "part-6",
        "notes",
        "NOTES (2)",
    ]


def test_zip_is_deterministic_and_refuses_unknown_parts() -> None:
    attachments = parse_message(RICH).attachments
    assert zip_attachments(RICH, attachments) == zip_attachments(RICH, attachments)
    missing = Attachment(part="9", filename="x", content_type="x/y", size=0)
    with pytest.raises(PartNotFound):
        zip_attachments(RICH, [missing])


def test_empty_zip() -> None:
    assert _zip_entries(zip_attachments(RICH, [])) == []


# --- Names and headers --------------------------------------------------------------------

SAFE_NAMES = [
    ("report.pdf", "report.pdf"),
    ("résumé.pdf", "résumé.pdf"),
    ("re\u0301sume\u0301.pdf", "résumé.pdf"),  # NFC
    ("../../etc/passwd", "_._etc_passwd"),
    ("..\\..\\boot.ini", "_._boot.ini"),
    ("a/b\\c", "a_b_c"),
    ("a..b", "a.b"),
    ("..", "attachment"),
    ("", "attachment"),
    ("   ", "attachment"),
    ("tab\there\nnewline\r", "tab here newline"),
    ("\x00\x07bell", "bell"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # RIGHT-TO-LEFT OVERRIDE disguise
    ('say "hi".txt', "say _hi_.txt"),
    ("what?<>|*:.txt", "what______.txt"),
    ("  spaced   out  .txt ", "spaced out .txt"),
    ("trailing dot.", "trailing dot"),
    (".hidden", "hidden"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("console.txt", "console.txt"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ("é" * 200, "é" * 127),
]


@pytest.mark.parametrize(("name", "expected"), SAFE_NAMES)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_fallback() -> None:
    assert safe_filename("..", "part-3") == "part-3"


DISPOSITIONS = [
    (
        "report.pdf",
        False,
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf",
    ),
    (
        "résumé.pdf",
        True,
        "inline; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
    ),
    (
        "日本語.txt",
        False,
        "attachment; filename=\"___.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
    ),
    (
        'a "quoted" name;x=1.txt',
        False,
        "attachment; filename=\"a _quoted_ name;x=1.txt\"; "
        "filename*=UTF-8''a%20_quoted_%20name%3Bx%3D1.txt",
    ),
    (
        "100% sure.txt",
        False,
        "attachment; filename=\"100_ sure.txt\"; filename*=UTF-8''100%25%20sure.txt",
    ),
    ("../x\r\nSet-Cookie: a", False, "attachment; filename=\"_x Set-Cookie_ a\"; "
     "filename*=UTF-8''_x%20Set-Cookie_%20a"),
    ("", False, "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "inline", "expected"), DISPOSITIONS)
def test_content_disposition(name: str, inline: bool, expected: str) -> None:
    header = content_disposition(name, inline)
    assert header == expected
    assert header.isascii()
    assert "\r" not in header and "\n" not in header
