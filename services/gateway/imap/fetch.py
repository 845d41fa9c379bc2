"""FETCH responses (RFC 3501 §6.4.5, §7.4.2; RFC 9051; BINARY of RFC 3516): the data
items of one message, rendered as the inside of its `* n FETCH (…)` list.

The session reads the items once (`parse_fetch_items`), loads a message's bytes only
when an item `needs_raw`, and calls `render_fetch` per message. Within that call the
message is read once, and only as deep as the items need: the header alone for
ENVELOPE and header sections, the whole MIME tree for structures and parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.gateway.imap.bodystructure import bodystructure, structure_of
from services.gateway.imap.envelope import envelope, envelope_of
from services.gateway.imap.fetch_items import (
    FetchItem,
    FetchKind,
    Section,
    parse_fetch_item,
    parse_fetch_items,
    parse_section,
)
from services.gateway.imap.sections import (
    RawMessage,
    decode_transfer,
    partial,
    section,
    transfer_encoding,
)
from services.gateway.imap.wire import flag_list, internaldate, literal, literal8

__all__ = [
    "FetchItem",
    "FetchKind",
    "FetchMessage",
    "Section",
    "UnknownTransferEncoding",
    "binary_section",
    "bodystructure",
    "envelope",
    "parse_fetch_item",
    "parse_fetch_items",
    "parse_section",
    "partial",
    "render_fetch",
    "section",
]


class UnknownTransferEncoding(Exception):
    """BINARY of a part whose Content-Transfer-Encoding the server cannot decode: the
    session answers `NO [UNKNOWN-CTE]` (RFC 3516 §4.3)."""


@dataclass(slots=True)
class FetchMessage:
    """What FETCH answers from: the store's data of the message, and its bytes (None when
    no item `needs_raw`)."""

    uid: int
    flags: list[str]
    internaldate: datetime
    size: int
    raw: bytes | None = None


def render_fetch(items: list[FetchItem], message: FetchMessage, *, with_uid: bool) -> bytes:
    """The data items of one message, as they go inside `* n FETCH (…)`: `UID 7 FLAGS
    (\\Seen) BODY[HEADER.FIELDS (FROM)] {23}` CRLF `…`. With `with_uid` (UID FETCH, and
    after STORE or COPY on UIDs) the UID comes first even if not asked for. Raises
    `UnknownTransferEncoding` for BINARY of a part it cannot decode."""
    parsed = RawMessage(message.raw) if message.raw is not None else None
    out: list[bytes] = [b"UID %d" % message.uid] if with_uid else []
    for item in items:
        if item.kind is FetchKind.UID and with_uid:
            continue
        label = item.label().encode("ascii")
        if item.needs_raw and parsed is None:
            raise ValueError(f"{item.label()} needs the message's bytes")
        out.append(label + b" " + _value(item, message, parsed))
    return b" ".join(out)


def _value(item: FetchItem, message: FetchMessage, parsed: RawMessage | None) -> bytes:
    kind = item.kind
    if kind is FetchKind.UID:
        return b"%d" % message.uid
    if kind is FetchKind.FLAGS:
        return flag_list(message.flags)
    if kind is FetchKind.INTERNALDATE:
        return b'"' + internaldate(message.internaldate).encode("ascii") + b'"'
    if kind is FetchKind.RFC822_SIZE:
        return b"%d" % message.size
    assert parsed is not None  # checked by render_fetch: needs_raw
    if kind is FetchKind.ENVELOPE:
        return envelope_of(parsed.fields)
    if kind in (FetchKind.BODY, FetchKind.BODYSTRUCTURE):
        extensible = kind is FetchKind.BODYSTRUCTURE
        return structure_of(parsed.raw, parsed.tree, extensible=extensible)
    spec = item.section or Section()
    if kind in (FetchKind.BINARY, FetchKind.BINARY_SIZE):
        data = _binary(parsed, spec)
        if kind is FetchKind.BINARY_SIZE:
            return b"%d" % len(data)
    else:
        data = parsed.section(spec)
    if item.partial is not None:
        data = partial(data, *item.partial)
    if kind is FetchKind.BINARY and b"\x00" in data:
        return literal8(data)
    return literal(data)


def binary_section(raw: bytes, part: tuple[int, ...]) -> bytes:
    """BINARY[part] of a raw message: the part's content with its transfer encoding
    removed; the whole message for (). Raises `UnknownTransferEncoding`."""
    return _binary(RawMessage(raw), Section(part))


def _binary(parsed: RawMessage, spec: Section) -> bytes:
    if not spec.part:
        return parsed.raw
    entity = parsed.part(spec.part)
    if entity is None:
        return b""
    data = parsed.raw[entity.body_start : entity.end]
    if entity.children or entity.message is not None:
        return data  # a multipart or a message is 7bit, 8bit or binary as it stands
    encoding = transfer_encoding(entity)
    decoded = decode_transfer(data, encoding)
    if decoded is None:
        raise UnknownTransferEncoding(encoding.decode("latin-1"))
    return decoded
