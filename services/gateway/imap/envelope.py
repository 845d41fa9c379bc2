"""The ENVELOPE of a message (RFC 3501 §7.4.2): date, subject, from, sender, reply-to, to,
cc, bcc, in-reply-to and message-id, read from its header.

Values go out as they appear in the header, unfolded and not decoded (encoded words
stay encoded), as Dovecot sends them; a field that is absent is NIL. Sender and Reply-To
default to From when absent or empty. Addresses are `(name adl mailbox host)`; a group is
`(NIL NIL name NIL)`, its members, then `(NIL NIL NIL NIL)`. An address without its mailbox
or host gets Dovecot's `MISSING_MAILBOX` / `MISSING_DOMAIN`, so that a client never reads
a broken address as the start or end of a group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.gateway.imap.sections import HeaderField, first_values, header_fields, split_header
from services.gateway.imap.wire import NIL, encode_list, nstring

MISSING_MAILBOX = b"MISSING_MAILBOX"
MISSING_DOMAIN = b"MISSING_DOMAIN"
INVALID_ROUTE = b"INVALID_ROUTE"

_ADDRESS_FIELDS = ("from", "sender", "reply-to", "to", "cc", "bcc")
_SINGLE_FIELDS = frozenset({"date", "subject", "in-reply-to", "message-id"})
_TOKENS = re.compile(
    rb"(?P<space>[ \t\r\n]+)|(?P<comment>\()|(?P<quoted>\"(?:[^\"\\]|\\.)*\"?)"
    rb"|(?P<literal>\[[^\]]*\]?)|(?P<special>[<>@,;:.])"
    rb"|(?P<atom>[^ \t\r\n\"\[<>@,;:.()]+)|(?P<other>.)",
    re.DOTALL,
)
_QUOTED_PAIR = re.compile(rb"\\(.)", re.DOTALL)
_BLANKS = re.compile(rb"[ \t]+")
_ROUTE = re.compile(rb"@[^@,:]+(?:,@[^@,:]+)*")


@dataclass(frozen=True, slots=True)
class Address:
    """An address as ENVELOPE gives it; a group's start has only `mailbox` (its name), its
    end nothing at all."""

    name: bytes | None
    adl: bytes | None
    mailbox: bytes | None
    host: bytes | None

    def encode(self) -> bytes:
        return encode_list(map(nstring, (self.name, self.adl, self.mailbox, self.host)))


GROUP_END = Address(None, None, None, None)


def envelope(raw: bytes) -> bytes:
    """The ENVELOPE parenthesised list of a raw message."""
    header_end, _ = split_header(raw)
    return envelope_of(header_fields(raw[:header_end]))


def envelope_of(fields: list[HeaderField]) -> bytes:
    """The ENVELOPE of a message whose header has these fields."""
    values = first_values(fields, _SINGLE_FIELDS)
    addresses: dict[str, list[Address]] = {name: [] for name in _ADDRESS_FIELDS}
    for header_field in fields:
        # Every To (Cc…) field counts, as in Dovecot: some mailers write one per recipient.
        if header_field.name in addresses:
            addresses[header_field.name] += parse_addresses(header_field.value)
    lists = {name: _address_list(found) for name, found in addresses.items()}
    for name in ("sender", "reply-to"):
        if lists[name] == NIL:
            lists[name] = lists["from"]
    return encode_list(
        [
            nstring(values.get("date")),
            nstring(_for_humans(values.get("subject"))),
            *(lists[name] for name in _ADDRESS_FIELDS),
            nstring(values.get("in-reply-to")),
            nstring(values.get("message-id")),
        ]
    )


def _address_list(addresses: list[Address]) -> bytes:
    return b"(" + b"".join(a.encode() for a in addresses) + b")" if addresses else NIL


def _for_humans(value: bytes | None) -> bytes | None:
    """Blanks (tabs, the ones folding left) as single spaces, as Dovecot shows a subject."""
    return None if value is None else _BLANKS.sub(b" ", value).strip(b" ")


# --- Address lists (RFC 5322 §3.4, leniently) ----------------------------------------------


@dataclass(slots=True)
class _Token:
    kind: str  # "quoted", "literal", "special", "atom", "other", "comment"
    text: bytes  # a quoted string unquoted, a comment without its parentheses
    spaced: bool  # whether blanks or a comment came before it


def parse_addresses(value: bytes) -> list[Address]:
    """An address list, with groups, read as far as it goes."""
    tokens = _tokenize(value)
    out: list[Address] = []
    in_group = False
    i = 0
    while i < len(tokens):
        words: list[_Token] = []
        comments: list[bytes] = []
        while i < len(tokens) and not _is_special(tokens[i], b"<:,;"):
            if tokens[i].kind == "comment":
                comments.append(tokens[i].text)
            else:
                words.append(tokens[i])
            i += 1
        stop = tokens[i].text if i < len(tokens) else b""
        i += 1
        if stop == b":" and not in_group:
            out.append(Address(None, None, _phrase(words) or b"", None))
            in_group = True
            continue
        if stop == b"<":
            end = i
            while end < len(tokens) and not _is_special(tokens[end], b">"):
                end += 1
            inner, i = tokens[i:end], end + 1
            while i < len(tokens) and not _is_special(tokens[i], b",;"):
                if tokens[i].kind == "comment":
                    comments.append(tokens[i].text)
                i += 1
            stop = tokens[i].text if i < len(tokens) else b""
            i += 1
            name = _phrase(words) or (comments[0] if comments else None)
            out.append(_angle_address(name or None, inner))
        elif words:
            out.append(_addr_spec(comments[0] or None if comments else None, None, words))
        if stop == b";" and in_group:
            out.append(GROUP_END)
            in_group = False
    if in_group:
        out.append(GROUP_END)
    return out


def _tokenize(value: bytes) -> list[_Token]:
    tokens: list[_Token] = []
    spaced = False
    pos = 0
    while pos < len(value):
        for match in _TOKENS.finditer(value, pos):
            kind = match.lastgroup or "other"
            if kind == "space":
                spaced = True
                continue
            if kind == "comment":  # nested comments: read apart, then go on after it
                pos, text = _comment(value, match.start())
                tokens.append(_Token("comment", text, spaced))
                spaced = True
                break
            text = match.group()
            if kind == "quoted":
                text = _QUOTED_PAIR.sub(rb"\1", text[1:-1] if text.endswith(b'"') else text[1:])
            tokens.append(_Token(kind, text, spaced))
            spaced = False
        else:
            break
    return tokens


def _comment(value: bytes, pos: int) -> tuple[int, bytes]:
    """Past a (nested) comment at `pos`: where it ends, and its text."""
    depth = 0
    start = pos + 1
    while pos < len(value):
        ch = value[pos : pos + 1]
        if ch == b"\\":
            pos += 1
        elif ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return pos + 1, _QUOTED_PAIR.sub(rb"\1", value[start:pos]).strip()
        pos += 1
    return pos, _QUOTED_PAIR.sub(rb"\1", value[start:]).strip()


def _is_special(token: _Token, chars: bytes) -> bool:
    return token.kind == "special" and token.text in chars


def _phrase(words: list[_Token]) -> bytes:
    """Display-name words, one space where the header had blanks or a comment between."""
    out = b""
    for word in words:
        out += (b" " if word.spaced and out else b"") + word.text
    return out


def _angle_address(name: bytes | None, inner: list[_Token]) -> Address:
    inner = [t for t in inner if t.kind != "comment"]
    adl = None
    if inner and _is_special(inner[0], b"@"):  # obsolete source route: @a,@b:
        colon = next((n for n, t in enumerate(inner) if _is_special(t, b":")), len(inner))
        adl = b"".join(t.text for t in inner[:colon])
        adl = adl if _ROUTE.fullmatch(adl) else INVALID_ROUTE
        inner = inner[colon + 1 :]
    return _addr_spec(name, adl, inner)


def _addr_spec(name: bytes | None, adl: bytes | None, tokens: list[_Token]) -> Address:
    tokens = [t for t in tokens if t.kind != "comment"]
    at = max((n for n, t in enumerate(tokens) if _is_special(t, b"@")), default=-1)
    local = tokens if at < 0 else tokens[:at]
    domain = [] if at < 0 else tokens[at + 1 :]
    mailbox = b"".join(t.text for t in local)
    host = b"".join(t.text for t in domain)
    return Address(name, adl, mailbox or MISSING_MAILBOX, host or MISSING_DOMAIN)
