"""Delivery status notifications: the bounce the outbound service puts in a sender's Inbox.

A DSN (RFC 3464) is a `multipart/report; report-type=delivery-status` (RFC 6522) of three
parts: an explanation for people, the machine-readable `message/delivery-status` with
RFC 3463 status codes, and the original message (`message/rfc822`) or only its header
(`text/rfc822-headers`).

The parts are assembled here rather than by `email.generator`: the generator re-serialises
an attached message (refolding its header, re-encoding its body), and a bounce must return
the original's bytes as they were. Only the text part, which has no such concern, is built
with `email.message.MIMEPart`.
"""

from __future__ import annotations

import re
import secrets
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import MIMEPart
from email.utils import format_datetime, make_msgid
from typing import Literal

from shared.mail.automatic import generated_fields
from shared.mail.report import CRLF, LINE_END, crlf_lines, header_section, is_utf8

MAX_RETURNED_ORIGINAL = 10 * 1024 * 1024
"""Originals larger than this (in bytes) come back as their header only."""

_MAX_RETURNED_HEADER = 1024 * 1024  # cap for a header that never ends (malformed original)
_MAX_DIAGNOSTIC = 1000  # characters kept of a remote server's reply
_MAX_WORD = 900  # longer words are cut so no line passes 998 octets (RFC 5322 §2.1.1)
_WIDTH = 76

_LONG_LINE = re.compile(rb"[^\r\n]{999}")
_STATUS = re.compile(r"[45]\.\d{1,3}\.\d{1,3}")  # RFC 3463 §2, failures and delays only
_TYPE_PREFIX = re.compile(r"(?i)(dns|smtp|rfc822)\s*;\s*")
_TOKEN = re.compile(r"[\x21-\x7e]+")
# Line and paragraph separators (str.splitlines(), hence the email package, breaks lines at
# them) and bidirectional overrides and isolates, which can disguise an address as another.
_UNSAFE = {"\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}

Action = Literal["failed", "delayed"]

_LEADS: dict[Action, str] = {
    "failed": "Your message could not be delivered to the recipients below, and the mail system"
    " has given up trying.",
    "delayed": "Your message has not yet been delivered to the recipients below. Delivery is"
    " still being retried: the mail system will tell you if it has to give up, and you do not"
    " need to send the message again.",
}


@dataclass(frozen=True)
class RecipientStatus:
    """What became of one recipient: one per-recipient block of the DSN (RFC 3464 §2.3)."""

    recipient: str  # the address as given: Final-Recipient: rfc822; addr
    action: Action
    status: str  # RFC 3463 code, "5.1.1", "4.4.7", ...
    remote_mta: str | None  # host that answered, reported as Remote-MTA: dns; host
    diagnostic: str | None  # the SMTP reply, reported as Diagnostic-Code: smtp; reply
    last_attempt: datetime


def build_dsn(
    *,
    reporting_mta: str,
    postmaster: str,
    original_sender: str,
    original: bytes,
    recipients: list[RecipientStatus],
    arrival: datetime,
    message_id_domain: str,
    headers_only: bool = False,
) -> bytes:
    """The DSN telling `original_sender` what became of `recipients`, as RFC 5322 bytes (CRLF).

    The original comes back whole unless `headers_only` or it is larger than
    `MAX_RETURNED_ORIGINAL`; a malformed original never makes this fail (its bytes are kept,
    line ends made CRLF; with no blank line after the header, all of it counts as header).
    Naive datetimes are taken as UTC. Raises `ValueError` for arguments that come from
    Bureau itself (no recipients, no sender address, a host name with spaces or controls):
    the caller must not send a DSN for a message with a null reverse-path (RFC 5321 §4.5.5).
    """
    if not recipients:
        raise ValueError("a DSN reports on at least one recipient")
    sender = _address(original_sender, "original_sender")
    mailer = _address(postmaster, "postmaster")
    mta = _host(reporting_mta, "reporting_mta")
    domain = _host(message_id_domain, "message_id_domain")
    all_delayed = all(r.action == "delayed" for r in recipients)
    whole = not headers_only and len(original) <= MAX_RETURNED_ORIGINAL

    parts = [
        _text_part(mta, recipients, whole=whole, too_large=not headers_only and not whole),
        _status_part(mta, arrival, recipients),
        _original_part(bytes(original), whole=whole),
    ]
    boundary = _boundary(parts)
    subject = (
        "Delayed Mail (still being retried)"
        if all_delayed
        else "Undelivered Mail Returned to Sender"
    )
    header = [
        f'From: "Mail Delivery System" <{mailer}>',
        f"To: {sender}",
        f"Subject: {subject}",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: {make_msgid(domain=domain)}",
        # RFC 3834 §5: auto-responders must not answer it, nor Bureau notify about it.
        *generated_fields("bounce"),
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=delivery-status;",
        f' boundary="{boundary}"',
    ]
    out = [crlf_lines(header), CRLF, b"This is a MIME-encapsulated message.", CRLF]
    for part in parts:
        out += [CRLF, b"--", boundary.encode(), CRLF, part]
    out += [CRLF, b"--", boundary.encode(), b"--", CRLF]
    return b"".join(out)


def _text_part(
    mta: str, recipients: list[RecipientStatus], *, whole: bool, too_large: bool
) -> bytes:
    paragraphs = [_paragraph(f"This is the mail delivery system at {mta}.")]
    for action, lead in _LEADS.items():
        group = [r for r in recipients if r.action == action]
        if group:
            paragraphs += [_paragraph(lead), *(_explain(r) for r in group)]
    if whole:
        paragraphs.append("Your original message is attached.")
    elif too_large:
        paragraphs.append("Your message was too large to return whole; its header is attached.")
    else:
        paragraphs.append("The header of your original message is attached.")
    text = "\n\n".join(paragraphs) + "\n"

    part = MIMEPart(policy=policy.SMTP)
    cte = "7bit" if text.isascii() else "quoted-printable"
    part.set_content(text, subtype="plain", charset="utf-8", cte=cte)
    part["Content-Description"] = "Notification"
    return part.as_bytes()


def _explain(r: RecipientStatus) -> str:
    reply, host = _reply(r), _remote_mta(r)
    if reply:
        said = f"{host} said: {reply}" if host else f"The receiving server said: {reply}"
    elif host:
        said = f"{host} gave no reply (status {_status(r)})."
    else:
        said = f"No mail server could be reached (status {_status(r)})."
    recipient = _one_line(r.recipient).strip("<>")
    return f"<{recipient}>\n" + _paragraph(said, indent="    ")


def _paragraph(text: str, indent: str = "") -> str:
    return textwrap.fill(
        text, _WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _status_part(mta: str, arrival: datetime, recipients: list[RecipientStatus]) -> bytes:
    """RFC 3464 §2.2 per-message fields, then one §2.3 block a recipient, blank lines between."""
    blocks = [_fields([("Reporting-MTA", f"dns; {mta}"), ("Arrival-Date", _date(arrival))])]
    for r in recipients:
        fields = [
            ("Final-Recipient", _final_recipient(r.recipient)),
            ("Action", r.action),
            ("Status", _status(r)),
        ]
        if host := _remote_mta(r):
            fields.append(("Remote-MTA", f"dns; {_ascii(host)}"))
        if reply := _reply(r):
            fields.append(("Diagnostic-Code", f"smtp; {_ascii(reply)}"))
        fields.append(("Last-Attempt-Date", _date(r.last_attempt)))
        blocks.append(_fields(fields))
    header = b"Content-Type: message/delivery-status\r\nContent-Description: Delivery report\r\n"
    return header + CRLF + CRLF.join(blocks)


def _original_part(original: bytes, *, whole: bool) -> bytes:
    if whole:
        content = LINE_END.sub(CRLF, original)
        kind, description = "message/rfc822", "Undelivered Message"
    else:
        content = header_section(original, _MAX_RETURNED_HEADER)
        kind, description = "text/rfc822-headers", "Undelivered Message Headers"
    # RFC 2046 §5.2.1: message/rfc822 is never encoded, only labelled 7bit, 8bit or binary.
    cte = _transfer_encoding(content)
    charset = ""
    if kind.startswith("text/") and not content.isascii() and is_utf8(content):
        charset = "; charset=utf-8"  # RFC 6532 header
    header = crlf_lines(
        [
            f"Content-Type: {kind}{charset}",
            f"Content-Description: {description}",
            f"Content-Transfer-Encoding: {cte}",
        ]
    )
    return header + CRLF + content


def _transfer_encoding(content: bytes) -> str:
    """RFC 2045 §2.7-2.9: 7bit and 8bit lines are at most 998 octets and hold no NUL."""
    if b"\0" in content or _LONG_LINE.search(content):
        return "binary"
    return "7bit" if content.isascii() else "8bit"


def _boundary(parts: list[bytes]) -> str:
    while True:  # a random boundary found inside a part is astronomically rare; draw again
        boundary = f"=_bureau-dsn-{secrets.token_hex(16)}"
        if not any(b"--" + boundary.encode() in part for part in parts):
            return boundary


def _final_recipient(recipient: str) -> str:
    address = _one_line(recipient, strip=_TYPE_PREFIX).strip("<>")
    if address.isascii():
        return f"rfc822; {address}"
    # RFC 6533 §3: a non-ASCII address is of type utf-8, in utf-8-addr-xtext form.
    return "utf-8; " + "".join(
        ch if "!" <= ch <= "~" and ch not in "+=\\" else _embedded(ch) for ch in address
    )


def _status(r: RecipientStatus) -> str:
    """The RFC 3463 code, or the generic one for the action if it is not a 4.x.x/5.x.x code."""
    status = r.status.strip()
    if not _STATUS.fullmatch(status) or (r.action == "delayed" and status[0] != "4"):
        return "4.0.0" if r.action == "delayed" else "5.0.0"
    return status


def _reply(r: RecipientStatus) -> str:
    # Cut before cleaning too: a hostile server's reply may be long.
    text = (r.diagnostic or "")[: 2 * _MAX_DIAGNOSTIC]
    return _one_line(text, strip=_TYPE_PREFIX)[:_MAX_DIAGNOSTIC]


def _remote_mta(r: RecipientStatus) -> str:
    return _one_line(r.remote_mta or "", strip=_TYPE_PREFIX)


def _fields(fields: list[tuple[str, str]]) -> bytes:
    """Header-style fields, folded at spaces (RFC 5322 §2.2.3)."""
    lines: list[str] = []
    for name, value in fields:
        lines += textwrap.wrap(
            f"{name}: {_words(value)}",
            _WIDTH,
            subsequent_indent=" ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return crlf_lines(lines)


def _words(text: str) -> str:
    return " ".join(
        word[i : i + _MAX_WORD] for word in text.split(" ") for i in range(0, len(word), _MAX_WORD)
    )


def _one_line(text: str, *, strip: re.Pattern[str] | None = None) -> str:
    """`text` as one line of printable characters: no CR/LF to inject fields or parts with."""
    try:  # recover UTF-8 a caller decoded with surrogateescape
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if ch in _UNSAFE or unicodedata.category(ch) == "Cc" else ch for ch in text)
    text = " ".join(text.split())
    if strip is not None and (prefix := strip.match(text)):
        text = text[prefix.end() :]
    return text


def _ascii(text: str) -> str:
    """message/delivery-status is ASCII: other characters as RFC 6533 / RFC 5137 escapes."""
    return "".join(ch if ch.isascii() else _embedded(ch) for ch in text)


def _embedded(ch: str) -> str:
    return f"\\x{{{ord(ch):02X}}}"


def _date(value: datetime) -> str:
    return format_datetime(value if value.tzinfo else value.replace(tzinfo=UTC))


def _address(value: str, what: str) -> str:
    address = _one_line(value).strip("<>").strip()
    if "@" not in address or any(ch in address for ch in "<>,"):
        raise ValueError(f"{what}: not a mailbox address: {value!r}")
    return address


def _host(value: str, what: str) -> str:
    if not _TOKEN.fullmatch(value) or any(ch in value for ch in "<>@;"):
        raise ValueError(f"{what}: not a host name: {value!r}")
    return value
