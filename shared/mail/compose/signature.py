"""Signatures (an identity's, F21) and the footer a plan imposes on every message (F23).

`insert_signature` works on the body being composed. It does not look for a signature
already there: a reply or forward quotes or includes earlier messages, whose signature
may well be the same, so "already signed" cannot be told from the text; the caller
inserts it once (when the composer opens, or when the identity changes).
"""

from __future__ import annotations

import re
from email import policy
from email.message import Message, MIMEPart
from email.parser import BytesHeaderParser, BytesParser
from html import escape

from shared.mail.compose.build import POLICY, normalise_lines, text_transfer_encoding

SIGNATURE_SEPARATOR = "-- "
"""RFC 3676 §4.3: the line "-- " starts a signature."""

_BODY_END = re.compile(r"(?i)</body\s*>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_DESCENDED = ("multipart/mixed", "multipart/alternative", "multipart/related")


# --- signatures -----------------------------------------------------------------------------


def insert_signature(
    body: str, signature: str, *, position: int | None = None, html: bool = False
) -> str:
    """`body` with `signature` inserted at the end, or at `position` (a character offset,
    clamped to the body) such as just above a quoted reply.

    Text: a blank line, the "-- " separator line, the signature; at a position, a blank
    line follows it before the rest of the body. A signature starting with its own "-- "
    line keeps that one. HTML: `<br>` and `<div class="signature">` around the signature
    (already sanitised), at the end goes before `</body>` if there is one. Line ends "\\n".
    An empty signature changes nothing."""
    signature = normalise_lines(signature).strip("\n")
    if not signature.strip():
        return normalise_lines(body)
    # The position counts in the body as given, before its line ends are normalised.
    at = len(body) if position is None else max(0, min(position, len(body)))
    before, after = normalise_lines(body[:at]), normalise_lines(body[at:])
    if html:
        block = f'<div class="signature">{signature}</div>'
        if position is None:
            return _insert_html(before, block)
        return before + ("<br>" if before.strip() else "") + block + after
    if signature.startswith(SIGNATURE_SEPARATOR + "\n"):
        signature = signature[len(SIGNATURE_SEPARATOR) + 1 :]
    block = ("\n" if before and not before.endswith("\n") else "") + "\n-- \n" + signature
    if after:
        block += "\n" if after.startswith("\n") else "\n\n"
    return before + block + after


def _insert_html(html: str, block: str) -> str:
    """`block` before the last `</body>`, else at the end (before trailing white space),
    after a `<br>` when some content precedes it."""
    ends = list(_BODY_END.finditer(html))
    at = ends[-1].start() if ends else len(html.rstrip())
    before = html[:at]
    return before + ("<br>" if before.strip() else "") + block + html[at:]


# --- the plan's footer ----------------------------------------------------------------------


def append_footer(text: str | None, html: str | None, footer: str) -> tuple[str | None, str | None]:
    """The plan's imposed signature (plain text) added to whichever bodies exist: to the
    text after a blank line, to the HTML escaped (line breaks as `<br>`) in a
    `<div class="imposed-signature">`, before `</body>` if any. An empty footer changes
    nothing; a missing body stays missing."""
    footer = normalise_lines(footer).strip("\n")
    if not footer.strip():
        return text, html
    new_text = _footer_text(normalise_lines(text), footer) if text is not None else None
    new_html = _footer_html(normalise_lines(html), footer) if html is not None else None
    return new_text, new_html


def _footer_text(text: str, footer: str) -> str:
    if not text:
        return footer
    return text + ("\n" if text.endswith("\n") else "\n\n") + footer


def _footer_html(html: str, footer: str) -> str:
    lines = "<br>".join(escape(line) for line in footer.split("\n"))
    return _insert_html(html, f'<div class="imposed-signature">{lines}</div>')


def append_footer_raw(raw: bytes, footer: str) -> bytes:
    """`append_footer` on a built message: the footer is added to the first text/plain
    and the first text/html body part, looked for at the top level, in every part of a
    multipart/alternative, and in the first part of a multipart/mixed or
    multipart/related. Not in attachments or attached messages; a multipart/signed or
    multipart/encrypted message (or body) is left untouched, as changing it would break
    its signature or it cannot be read. A changed part is re-encoded as UTF-8 (its other
    header fields kept); every other byte stays as it was. A part in an unknown charset
    is left as it is; undecodable bytes in a known one become U+FFFD."""
    footer = normalise_lines(footer).strip("\n")
    if not footer.strip():
        return raw
    linesep = b"\r\n" if b"\r\n" in raw[:65536] else b"\n"
    changed = _footed(raw, footer, set(), (), linesep, top=True)
    return raw if changed is None else changed


def _footed(
    entity: bytes,
    footer: str,
    done: set[str],
    boundaries: tuple[bytes, ...],
    linesep: bytes,
    *,
    top: bool,
) -> bytes | None:
    """The entity with the footer added to the bodies found in it, or None if none was."""
    header, blank, body = _split_entity(entity)
    info = BytesHeaderParser(policy=policy.compat32).parsebytes(header)
    ctype = info.get_content_type()
    if ctype.startswith("multipart/"):
        boundary = info.get_boundary()
        if ctype not in _DESCENDED or not boundary or not boundary.isascii():
            return None
        delimiter = boundary.encode("ascii")
        spans = _part_spans(body, delimiter)
        targets = spans if ctype == "multipart/alternative" else spans[:1]
        changes: list[tuple[int, int, bytes]] = []
        for start, end in targets:
            new = _footed(
                body[start:end], footer, done, (*boundaries, delimiter), linesep, top=False
            )
            if new is not None:
                changes.append((start, end, new))
        for start, end, new in reversed(changes):
            body = body[:start] + new + body[end:]
        return header + blank + body if changes else None
    if ctype not in ("text/plain", "text/html") or ctype in done or not _is_body(info):
        return None
    new_part = _footed_leaf(entity, header, ctype, footer, boundaries, linesep, top=top)
    if new_part is not None:
        done.add(ctype)
    return new_part


def _is_body(info: Message) -> bool:
    try:
        return info.get_content_disposition() != "attachment" and not info.get_filename()
    except Exception:  # noqa: BLE001 - a malformed part is left alone
        return False


def _footed_leaf(
    entity: bytes,
    header: bytes,
    ctype: str,
    footer: str,
    boundaries: tuple[bytes, ...],
    linesep: bytes,
    *,
    top: bool,
) -> bytes | None:
    part = BytesParser(policy=policy.compat32).parsebytes(entity)
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    charset = part.get_content_charset() or "us-ascii"
    try:
        text = payload.decode(charset)
    except LookupError:
        return None
    except UnicodeDecodeError:
        text = payload.decode(charset, "replace")
    text = normalise_lines(text)
    if text.endswith("\n"):
        text = text[:-1]  # the body's own last line break: set_content puts one back
    flowed = str(part.get_param("format") or "").lower() == "flowed"
    if ctype == "text/html":
        new_text = _footer_html(text, footer)
    else:
        new_text = _footer_text(text, _flowed_safe(footer) if flowed else footer)
    new_part = _encoded(new_text, ctype.split("/")[1], part, boundaries, linesep)
    kept = [
        f
        for f in _fields(header)
        if _name(f) not in (b"content-type", b"content-transfer-encoding")
    ]
    if top and not any(_name(f) == b"mime-version" for f in kept):
        kept.append(b"MIME-Version: 1.0" + linesep)
    return b"".join(kept) + new_part


def _encoded(
    text: str, subtype: str, original: Message, boundaries: tuple[bytes, ...], linesep: bytes
) -> bytes:
    """Content-Type, Content-Transfer-Encoding, blank line and body of the new part."""
    rules = POLICY.clone(linesep=linesep.decode("ascii"))
    cte = text_transfer_encoding(text)
    while True:
        part = MIMEPart(policy=rules)
        part.set_content(text, subtype=subtype, charset="utf-8", cte=cte)
        for key in ("format", "delsp"):
            value = original.get_param(key)
            if isinstance(value, str) and value:
                part.set_param(key, value)
        data = part.as_bytes(policy=rules)
        # A boundary of an enclosing multipart must not turn up in the body.
        if cte == "base64" or not any(b"--" + b in data for b in boundaries):
            return data
        cte = "base64"


def _flowed_safe(footer: str) -> str:
    """The footer as format=flowed lines (RFC 3676): no trailing spaces (which would join
    lines), space-stuffed where a line starts with a space, ">" or "From "."""
    lines = [line.rstrip(" ") for line in footer.split("\n")]
    return "\n".join(" " + line if line.startswith((" ", ">", "From ")) else line for line in lines)


# --- bytes of a MIME entity -----------------------------------------------------------------


def _split_entity(entity: bytes) -> tuple[bytes, bytes, bytes]:
    """Header (with the line end of its last field), the blank line, the body."""
    for blank in (b"\r\n", b"\n"):
        if entity.startswith(blank):
            return b"", blank, entity[len(blank) :]
    match = _HEADER_END.search(entity)
    if match is None:
        return entity, b"", b""
    cut = match.start() + (2 if entity.startswith(b"\r\n", match.start()) else 1)
    return entity[:cut], entity[cut : match.end()], entity[match.end() :]


def _fields(header: bytes) -> list[bytes]:
    """Header fields, each with its continuation lines and line ends."""
    fields: list[bytes] = []
    for line in header.splitlines(keepends=True):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def _name(field: bytes) -> bytes:
    return field.split(b":", 1)[0].strip().lower()


def _part_spans(body: bytes, boundary: bytes) -> list[tuple[int, int]]:
    """Where each body part of a multipart lies: between a delimiter line and the line
    end before the next (which belongs to that delimiter, RFC 2046 §5.1.1)."""
    delimiter = re.compile(rb"(?:\A|(?<=\n))--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r?\n|\Z)")
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            end = match.start()
            end -= 2 if body[end - 2 : end] == b"\r\n" else 1 if body[end - 1 : end] == b"\n" else 0
            spans.append((start, max(start, end)))
            start = None
        if match.group(1):
            break
        start = match.end()
        start += 2 if body.startswith(b"\r\n", start) else 1 if body.startswith(b"\n", start) else 0
    if start is not None:  # no close delimiter: the last part runs to the end
        spans.append((start, len(body)))
    return spans
