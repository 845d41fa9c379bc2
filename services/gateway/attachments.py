"""Attachments out of a raw message: one part decoded, all of them as a ZIP, and the
file names and Content-Disposition headers to serve them with.

Part paths are those of `shared.mail.mime` (IMAP-style section numbers, RFC 3501 §6.4.5, as
its `_walk` assigns them): "1" is the only part of a non-multipart message, "2.1" the
first child of part 2. An attached message/rfc822 counts as one level of its own there:
the message itself is its part "N.1", whose children are "N.1.1", "N.1.2", …
All functions are pure.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from urllib.parse import quote

from shared.mail.mime import decode_header_value
from shared.model import Attachment

_PATH = re.compile(r"[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,63}")


class PartNotFound(LookupError):
    """No leaf part, or attached message, at that path."""


@dataclass(frozen=True, slots=True)
class ExtractedPart:
    filename: str  # as the message names it (decoded), or `shared.mail.mime`'s fallback
    content_type: str  # "type/subtype", lower case
    data: bytes  # transfer encoding (base64, quoted-printable) removed
    charset: str | None = None  # of a text part, for the Content-Type header


def extract_part(raw: bytes, part: str) -> ExtractedPart:
    """The part at `part` of the raw message, decoded. Raises `PartNotFound`.

    Besides the leaf parts `shared.mail.mime` lists, the path of an attached message/rfc822
    gives that whole message (`message.eml`), as it stands in the raw bytes."""
    return _extract(_parse(raw), part, _linesep(raw))


def _parse(raw: bytes) -> Message:
    # compat32, as shared.mail.mime parses: the same tree, so the same part numbers.
    return BytesParser(policy=policy.compat32).parsebytes(raw)


def _linesep(raw: bytes) -> str:
    return "\r\n" if b"\r\n" in raw[:65536] else "\n"


def _find(root: Message, path: str) -> Message:
    if not _PATH.fullmatch(path):
        raise PartNotFound(path)
    numbers = [int(n) for n in path.split(".")]
    if not root.is_multipart():
        if numbers != [1]:  # a single-part message has only part 1
            raise PartNotFound(path)
        return root
    node = root
    for number in numbers:
        children = node.get_payload()
        if not node.is_multipart() or not isinstance(children, list):
            raise PartNotFound(path)
        child = children[number - 1] if 1 <= number <= len(children) else None
        if not isinstance(child, Message):
            raise PartNotFound(path)
        node = child
    return node


def _extract(root: Message, path: str, linesep: str) -> ExtractedPart:
    node = _find(root, path)
    ctype = node.get_content_type()
    try:
        filename = node.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter: name it as shared.mail.mime does
        filename = None
    name = decode_header_value(filename) if filename else ""
    if ctype == "message/rfc822":
        inner = node.get_payload()
        if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], Message):
            return ExtractedPart(name or "message.eml", ctype, _as_bytes(inner[0], linesep))
    if node.is_multipart():
        raise PartNotFound(path)  # a container, not an attachment
    if ctype.startswith("multipart/"):  # no boundary found: shared.mail.mime reads it as text
        ctype = "text/plain"
    payload = node.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(node.get_payload()).encode("utf-8", "surrogateescape")
    charset = node.get_content_charset() if ctype.startswith("text/") else None
    if not name:
        name = "message.eml" if ctype == "message/rfc822" else f"part-{path}"
    return ExtractedPart(name, ctype, payload, charset)


def _as_bytes(message: Message, linesep: str) -> bytes:
    """The message as it was: compat32 keeps header values with their folding, so written
    back unfolded-by-us and with the raw line ends it gives the original bytes (up to
    the line end before the next boundary, which belongs to the boundary: RFC 2046 §5.1.1).
    """
    out = io.BytesIO()
    rules = policy.compat32.clone(linesep=linesep, max_line_length=0)
    BytesGenerator(out, mangle_from_=False, policy=rules).flatten(message)
    return out.getvalue()


# --- File names ----------------------------------------------------------------------------

_UNSAFE = re.compile(r'[/\\:*?"<>|]')  # separators, and what Windows refuses in a name
_DOTS = re.compile(r"\.{2,}")
_WINDOWS_DEVICES = re.compile(r"(?:con|prn|aux|nul|com\d|lpt\d)(?:\..*)?", re.IGNORECASE)
_MAX_NAME_BYTES = 255


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name safe to save anywhere and to put in a header: no directory parts, no
    "..", no control or bidirectional-override characters (which disguise extensions),
    no characters Windows refuses, at most 255 UTF-8 bytes; `fallback` if nothing is left.
    """
    name = " ".join(unicodedata.normalize("NFC", name).split())  # tabs, line breaks too
    # Cc: control characters; Cf: format characters such as U+202E RIGHT-TO-LEFT OVERRIDE.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = _DOTS.sub(".", _UNSAFE.sub("_", name))
    name = " ".join(name.split()).strip(". ")  # Windows drops trailing dots and spaces
    if _WINDOWS_DEVICES.fullmatch(name):
        name = f"_{name}"
    name = _truncate(name)
    return name or fallback


def _truncate(name: str) -> str:
    if len(name.encode()) <= _MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) > 32:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    budget = _MAX_NAME_BYTES - len(suffix.encode())
    return stem.encode()[:budget].decode("utf-8", "ignore").rstrip(". ") + suffix


def content_disposition(filename: str, inline: bool = False) -> str:
    """A Content-Disposition header value (RFC 6266 §4): the name both as an ASCII
    `filename="…"` fallback for old clients and as `filename*=UTF-8''…` (RFC 8187)."""
    name = safe_filename(filename)
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(
        ch if ch.isascii() else "_" for ch in decomposed if unicodedata.category(ch) != "Mn"
    )
    ascii_name = safe_filename(ascii_name.replace("%", "_"))
    kind = "inline" if inline else "attachment"
    # RFC 8187 §3.2.1 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~" unescaped, the rest %XX.
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


# --- ZIP -----------------------------------------------------------------------------------


def zip_attachments(raw: bytes, attachments: list[Attachment]) -> bytes:
    """A ZIP (deflated) of the attachments, named by their sanitised file names, made
    unique ("report.pdf", "report (2).pdf"); non-ASCII names are stored as UTF-8 and
    flagged so (APPNOTE 4.4.4, bit 11). Fixed timestamps: the same input gives the same
    bytes. Raises `PartNotFound` if an attachment is not in the message."""
    root, linesep = _parse(raw), _linesep(raw)
    taken: set[str] = set()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for attachment in attachments:
            part = _extract(root, attachment.part, linesep)
            name = _unique(safe_filename(attachment.filename, f"part-{attachment.part}"), taken)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # a plain, readable file when unpacked
            archive.writestr(info, part.data)
    return out.getvalue()


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or "stem (2).ext", "stem (3).ext", … — compared ignoring case, as the
    file systems of Windows and macOS do."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.casefold())
    return candidate
