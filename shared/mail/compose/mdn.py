"""Read receipts: the message disposition notification (RFC 8098) a user sends back when
they open a message that asked for one (F48).

An MDN is a `multipart/report; report-type=disposition-notification` (RFC 6522, RFC 8098
§3) of three parts: a sentence for people, the machine-readable
`message/disposition-notification`, and the original message's header as
`text/rfc822-headers` (only the header: the body is the user's and says nothing the sender
needs). It never asks for a receipt itself (§2.1), is marked `Auto-Submitted:
auto-replied` so that vacation responders leave it alone (RFC 3834 §5), and must go out
with a null envelope sender (§3): the caller's job.

The parts are assembled here rather than by `email.generator`, which would refold the
original header; only the text part is built with `email.message.MIMEPart`.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.message import MIMEPart
from email.utils import format_datetime
from typing import Literal

from shared.mail.automatic import generated_fields
from shared.mail.report import CRLF, crlf_lines, header_section, is_utf8

Mode = Literal["manual", "automatic"]

# RFC 8098 §3.2.6: who decided that the MDN goes, and how it was sent.
_DISPOSITIONS: dict[Mode, str] = {
    "manual": "manual-action/MDN-sent-manually; displayed",
    "automatic": "automatic-action/MDN-sent-automatically; displayed",
}
_MSGID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII but "<" and ">"
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_TYPE_PREFIX = re.compile(r"(?i)^\s*rfc822\s*;\s*")
_MAX_HEADER = 256 * 1024  # an original header that never ends is cut here
_WIDTH = 76


def build_mdn(
    *,
    account_address: str,
    receipt_to: str,
    original_subject: str,
    original_message_id: str | None,
    original_header: bytes | None,
    mode: Mode,
    message_id: str,
    date: datetime,
    original_recipient: str | None = None,
) -> bytes:
    """The MDN telling `receipt_to` that `account_address` displayed a message, as RFC 5322
    bytes (CRLF).

    `original_header` is the original message's raw bytes (only its header is used; None
    leaves the third part out). `original_recipient` is the Original-Recipient the final
    MTA recorded (RFC 3461), when known. `message_id` is the MDN's own Message-ID.
    Raises `ValueError` for an address that is not one, or a Message-ID that is no
    msg-id: they come from Bureau itself, never from the original message.
    """
    sender = _address(account_address, "account_address")
    recipient = _address(receipt_to, "receipt_to")
    if not _MSGID.fullmatch(message_id):
        raise ValueError(f"message_id: not a msg-id: {message_id!r}")
    original_id = _msgid(original_message_id)
    subject = _one_line(original_subject)
    parts = [
        _text_part(sender, subject, mode),
        _report_part(sender, original_id, mode, _recipient(original_recipient)),
    ]
    if original_header is not None:
        parts.append(_header_part(original_header))
    boundary = _boundary(parts)
    header = [
        f"From: {sender}",
        f"To: {recipient}",
        _subject(f"Read: {subject}" if subject else "Read: (no subject)"),
        f"Date: {format_datetime(date if date.tzinfo else date.replace(tzinfo=UTC))}",
        f"Message-ID: {message_id}",
    ]
    if original_id:
        header += [f"In-Reply-To: {original_id}", f"References: {original_id}"]
    header += [
        *generated_fields("receipt"),
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=disposition-notification;",
        f' boundary="{boundary}"',
    ]
    out = [crlf_lines(header), CRLF, b"This is a MIME-encapsulated message.", CRLF]
    for part in parts:
        out += [CRLF, b"--", boundary.encode(), CRLF, part]
    out += [CRLF, b"--", boundary.encode(), b"--", CRLF]
    return b"".join(out)


def _text_part(sender: str, subject: str, mode: Mode) -> bytes:
    about = f' with the subject "{subject}"' if subject else ""
    text = (
        textwrap.fill(
            f"This is a read receipt for the message you sent to {sender}{about}. It was"
            " displayed on the recipient's screen"
            + (" and the receipt sent automatically." if mode == "automatic" else ".")
            + " This is no guarantee that the message has been read or understood.",
            _WIDTH,
            break_long_words=False,
            break_on_hyphens=False,
        )
        + "\n"
    )
    part = MIMEPart(policy=policy.SMTP)
    cte = "7bit" if text.isascii() else "quoted-printable"
    part.set_content(text, subtype="plain", charset="utf-8", cte=cte)
    return part.as_bytes()


def _report_part(sender: str, original_id: str | None, mode: Mode, original: str | None) -> bytes:
    """RFC 8098 §3.1: the notification fields, in the order of its grammar."""
    domain = sender.rpartition("@")[2]
    ua = domain if domain.isascii() and _HOST.fullmatch(domain) else "localhost"
    fields = [f"Reporting-UA: {ua}; Bureau"]
    if original:
        fields.append(f"Original-Recipient: {_typed_address(original)}")
    fields.append(f"Final-Recipient: {_typed_address(sender)}")
    if original_id:
        fields.append(f"Original-Message-ID: {original_id}")
    fields.append(f"Disposition: {_DISPOSITIONS[mode]}")
    return crlf_lines(["Content-Type: message/disposition-notification", "", *fields])


def _header_part(original: bytes) -> bytes:
    head = _header_of(original)
    cte = "7bit" if head.isascii() else "8bit"
    charset = "; charset=utf-8" if not head.isascii() and is_utf8(head) else ""
    top = crlf_lines(
        [f"Content-Type: text/rfc822-headers{charset}", f"Content-Transfer-Encoding: {cte}"]
    )
    return top + CRLF + head


def _header_of(original: bytes) -> bytes:
    """The header section, with each line cut at 998 octets (RFC 5322 §2.1.1) and NULs
    removed, so the part stays 7bit/8bit."""
    head = header_section(original, _MAX_HEADER)
    lines = [line[:998].replace(b"\0", b"") for line in head.split(CRLF) if line]
    return b"".join(line + CRLF for line in lines)


def _recipient(value: str | None) -> str | None:
    if not value:
        return None
    address = _one_line(_TYPE_PREFIX.sub("", value)).strip("<>").strip()
    return address if "@" in address and not any(ch in address for ch in "<>,;") else None


def _typed_address(address: str) -> str:
    """`rfc822; addr`; an address with non-ASCII characters is of RFC 6533's type utf-8,
    written as utf-8-addr-xtext so that the part stays ASCII."""
    if address.isascii():
        return f"rfc822; {address}"
    escaped = (
        ch if "!" <= ch <= "~" and ch not in "+=\\" else f"\\x{{{ord(ch):X}}}" for ch in address
    )
    return "utf-8; " + "".join(escaped)


def _msgid(value: str | None) -> str | None:
    match = _MSGID.search(value or "")
    return match.group(0) if match else None


def _subject(text: str) -> str:
    if text.isascii() and len(text) < 900:
        return f"Subject: {text}"
    # RFC 2047 encoded words, folded (the CRLFs inside are kept by `_lines`).
    return "Subject: " + Header(text, "utf-8", header_name="Subject").encode(linesep="\r\n")


def _address(value: str, what: str) -> str:
    address = _one_line(value).strip("<>").strip()
    if "@" not in address or any(ch in address for ch in "<>,; "):
        raise ValueError(f"{what}: not a mailbox address: {value!r}")
    return address


def _one_line(text: str) -> str:
    """`text` as one line: no CR/LF (or other controls) to inject fields or parts with."""
    return " ".join("".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text).split())


def _boundary(parts: list[bytes]) -> str:
    """Derived from the content, so the same receipt gives the same bytes; lengthened in the
    (deliberately contrived) case that a part holds it."""
    digest = hashlib.sha256(b"".join(parts)).hexdigest()
    for size in range(24, len(digest) + 1, 8):
        boundary = f"=_bureau-mdn-{digest[:size]}"
        if not any(b"--" + boundary.encode() in part for part in parts):
            return boundary
    raise ValueError("no boundary fits these parts")  # every prefix of a sha256 inside
