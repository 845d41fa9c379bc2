"""Replies and forwards: subjects, threading headers, recipients, quoted bodies."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from pydantic import BaseModel, Field

from shared.mail.compose.build import normalise_lines
from shared.model import Address

MAX_REFERENCES = 20
"""References kept in a reply: the first (the thread's root) and the most recent ones."""

# Prefixes that mean "reply" in the common mail clients' languages: English Re, German
# AW (Antwort), Scandinavian SV / VS (svar, vastaus), Dutch Antw, Polish Odp; and the
# counted forms Re[2]: and Re^2:. A space before the colon is tolerated (French style).
_REPLY = re.compile(r"(?i)\s*(?:re|aw|sv|vs|antw|odp)(?:\[\d+\]|\^\d+)?\s*:")
# … and "forwarded": Fwd, Fw, French TR (transféré), German WG (weitergeleitet), Spanish RV.
_FORWARD = re.compile(r"(?i)\s*(?:fwd|fw|tr|wg|rv)\s*:")
_BODY = re.compile(r"(?is)<body\b[^>]*>(.*?)(?:</body\s*>|\Z)")
_HEAD = re.compile(r"(?is)<head\b.*?</head\s*>")
_DOCUMENT_TAGS = re.compile(r"(?i)</?(?:html|body)\b[^>]*>|<!doctype[^>]*>")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FORWARD_MARKER = "---------- Forwarded message ---------"


class ForwardHeaders(BaseModel):
    """What the forwarded-message block shows of the original."""

    sender: Address | None = None
    date: datetime | None = None
    subject: str = ""
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)


# --- subjects -------------------------------------------------------------------------------


def reply_subject(subject: str) -> str:
    """The subject with "Re: " before it, unless it already starts with a reply prefix
    (Re:, RE:, AW:, SV:, Re[2]: …): then unchanged. A forward's reply is "Re: Fwd: …"."""
    subject = subject.strip()
    if _REPLY.match(subject):
        return subject
    return f"Re: {subject}".rstrip()


def forward_subject(subject: str) -> str:
    """The subject with "Fwd: " before it, unless it already starts with a forward prefix
    (Fwd:, Fw:, TR:, WG:, RV:): then unchanged. A reply is forwarded as "Fwd: Re: …"."""
    subject = subject.strip()
    if _FORWARD.match(subject):
        return subject
    return f"Fwd: {subject}".rstrip()


# --- threading ------------------------------------------------------------------------------


def reply_references(
    message_id: str | None, references: list[str], in_reply_to: list[str]
) -> tuple[str | None, list[str]]:
    """The reply's In-Reply-To and References, from its parent's Message-ID, References
    and In-Reply-To (RFC 5322 §3.6.4): References are the parent's References, or else its
    In-Reply-To if that names a single message, followed by the parent's Message-ID;
    without duplicates, and at most `MAX_REFERENCES` (the first and the latest)."""
    chain = list(references) if references else (list(in_reply_to) if len(in_reply_to) == 1 else [])
    if message_id:
        chain.append(message_id)
    unique: list[str] = []
    for msgid in (m.strip() for m in chain):
        if msgid and msgid not in unique:
            unique.append(msgid)
    if len(unique) > MAX_REFERENCES:
        unique = [unique[0], *unique[-(MAX_REFERENCES - 1) :]]
    return (message_id.strip() if message_id and message_id.strip() else None), unique


# --- recipients -----------------------------------------------------------------------------


def reply_recipients(
    *,
    sender: Address | None,
    reply_to: list[Address],
    to: list[Address],
    cc: list[Address],
    own: set[str],
    reply_all: bool,
) -> tuple[list[Address], list[Address]]:
    """To and Cc of a reply. To: the Reply-To addresses if any, else the sender; to a
    message the user sent (its From is in `own`), the original To instead. Reply all adds
    the original To and Cc as Cc. Addresses are compared case-insensitively: no address
    twice, and none of the user's own (`own`). If that leaves no To, the first Cc becomes
    the To; with no Cc either (a note to self), To keeps the user's own addresses."""
    mine = {address.casefold() for address in own}
    from_me = sender is not None and sender.address.casefold() in mine
    if from_me:
        primary = list(to)
    else:
        primary = list(reply_to) if reply_to else ([sender] if sender is not None else [])
    seen: set[str] = set()
    new_to = _distinct(primary, mine, seen)
    others = (list(cc) if from_me else [*to, *cc]) if reply_all else []
    new_cc = _distinct(others, mine, seen)
    if not new_to and new_cc:
        new_to, new_cc = new_cc[:1], new_cc[1:]
    elif not new_to:
        new_to = _distinct(primary, set(), seen)  # a note to self stays one
    return new_to, new_cc


def _distinct(addresses: list[Address], excluded: set[str], seen: set[str]) -> list[Address]:
    kept: list[Address] = []
    for address in addresses:
        key = address.address.strip().casefold()
        if key and key not in excluded and key not in seen:
            seen.add(key)
            kept.append(address)
    return kept


# --- quoting --------------------------------------------------------------------------------


def format_date(date: datetime) -> str:
    """A date as "Mon, 2 Nov 2026 10:00 +0100" (English, whatever the locale; no zone if naive)."""
    text = (
        f"{_DAYS[date.weekday()]}, {date.day} {_MONTHS[date.month - 1]} {date.year}"
        f" {date.hour:02d}:{date.minute:02d}"
    )
    return f"{text} {date:%z}" if date.utcoffset() is not None else text


def attribution(author: str, date: datetime | None) -> str:
    """The line "On <date>, <author> wrote:" (the date left out when unknown)."""
    who = author.strip() or "(unknown sender)"
    return f"On {format_date(date)}, {who} wrote:" if date is not None else f"{who} wrote:"


def quote_text(text: str, *, author: str, date: datetime | None) -> str:
    """The attribution line, then each line of `text` as "> " + line (so quotes nest as
    "> > "; an empty line becomes ">", without trailing space). Line ends "\\n", trailing
    empty lines left out; the result ends with a line break."""
    lines = normalise_lines(text).rstrip("\n").split("\n")
    quoted = [f"> {line}" if line else ">" for line in lines]
    return "\n".join([attribution(author, date), *quoted]) + "\n"


def quote_html(html: str, *, author: str, date: datetime | None) -> str:
    """The attribution as a paragraph, then the (already sanitised) HTML in a
    `<blockquote type="cite">`; of a whole document only the body's content is kept."""
    return (
        f"<p>{escape(attribution(author, date))}</p>\n"
        f'<blockquote type="cite">{_body_content(html)}</blockquote>'
    )


def forward_text(text: str, *, headers: ForwardHeaders) -> str:
    """The "---------- Forwarded message ---------" block (From, Date, Subject, To, Cc,
    those known), a blank line, and the original text."""
    lines = [FORWARD_MARKER, *(f"{name}: {value}" for name, value in _forward_fields(headers))]
    return "\n".join(lines) + "\n\n" + normalise_lines(text)


def forward_html(html: str, *, headers: ForwardHeaders) -> str:
    """`forward_text`'s block in HTML (the values escaped), then the original HTML."""
    fields = "".join(f"<br>\n{name}: {escape(value)}" for name, value in _forward_fields(headers))
    return f'<div class="forwarded"><p>{FORWARD_MARKER}{fields}</p>\n{_body_content(html)}</div>'


def _forward_fields(headers: ForwardHeaders) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    if headers.sender is not None:
        fields.append(("From", headers.sender.display()))
    if headers.date is not None:
        fields.append(("Date", format_date(headers.date)))
    fields.append(("Subject", headers.subject.strip()))
    if headers.to:
        fields.append(("To", ", ".join(a.display() for a in headers.to)))
    if headers.cc:
        fields.append(("Cc", ", ".join(a.display() for a in headers.cc)))
    return [(name, " ".join(value.split())) for name, value in fields]


def _body_content(html: str) -> str:
    """What goes inside another element: a document's body content, its head dropped."""
    match = _BODY.search(html)
    content = match.group(1) if match else _HEAD.sub("", html)
    return _DOCUMENT_TAGS.sub("", content)
