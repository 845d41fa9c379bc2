"""BODYSTRUCTURE and BODY (RFC 3501 §7.4.2, RFC 9051 §7.5.2): the MIME structure of a
message as an IMAP client reads it, from the tree `sections.parse_tree` finds.

Formats follow Dovecot: types, subtypes and parameters as written (case kept), a text
part without a charset parameter gets `("charset" "us-ascii")`, no Content-Type is
text/plain, no Content-Transfer-Encoding is 7bit, sizes are octets of the body as stored
(encoded) and lines the line ends in it. BODYSTRUCTURE adds the extension data: for a
single part MD5, disposition, language and location; for a multipart its parameters,
disposition, language and location.
"""

from __future__ import annotations

import re

from services.gateway.imap.envelope import envelope_of
from services.gateway.imap.sections import (
    Entity,
    Params,
    first_values,
    parse_disposition,
    parse_tree,
)
from services.gateway.imap.wire import NIL, encode_list, nstring, string

_TOKEN = re.compile(rb'[^\x00-\x20()<>@,;:\\"/\[\]?=\x7f]+')
_LANGUAGE = re.compile(rb"[A-Za-z0-9-]+")
_US_ASCII = ((b"charset", b"us-ascii"),)
_CONTENT_FIELDS = frozenset(
    {
        "content-id",
        "content-description",
        "content-transfer-encoding",
        "content-md5",
        "content-disposition",
        "content-language",
        "content-location",
    }
)


def bodystructure(raw: bytes, *, extensible: bool) -> bytes:
    """BODYSTRUCTURE (`extensible`) or BODY of a raw message."""
    return structure_of(raw, parse_tree(raw), extensible=extensible)


def structure_of(raw: bytes, entity: Entity, *, extensible: bool) -> bytes:
    """The structure of `entity` (the root of a tree, or any part of it) of `raw`."""
    fields = first_values(entity.fields, _CONTENT_FIELDS)
    if entity.children:
        items = [b"".join(structure_of(raw, c, extensible=extensible) for c in entity.children)]
        items.append(string(entity.subtype))
        if extensible:
            items += [_params(entity.params), *_extension(fields)]
        return encode_list(items)
    params = entity.params
    is_text = entity.type.lower() == b"text"
    if is_text and not any(key.lower() == b"charset" for key, _ in params):
        params = (*params, *_US_ASCII)
    body = raw[entity.body_start : entity.end]
    main, sub = entity.type, entity.subtype
    if entity.message is not None:  # the grammar's "MESSAGE" "RFC822" (or "GLOBAL")
        main, sub = b"message", sub.lower()
    items = [
        string(main),
        string(sub),
        _params(params),
        nstring(fields.get("content-id")),
        nstring(fields.get("content-description")),
        string(_encoding(fields.get("content-transfer-encoding"))),
        b"%d" % len(body),
    ]
    if entity.message is not None:
        inner = entity.message
        items.append(envelope_of(inner.fields))
        items.append(structure_of(raw, inner, extensible=extensible))
        items.append(b"%d" % body.count(b"\n"))
    elif is_text:
        items.append(b"%d" % body.count(b"\n"))
    if extensible:
        items += [nstring(fields.get("content-md5")), *_extension(fields)]
    return encode_list(items)


def _extension(fields: dict[str, bytes]) -> list[bytes]:
    """Disposition, language and location."""
    value = fields.get("content-disposition")
    disposition = parse_disposition(value) if value is not None else None
    dsp = NIL
    if disposition is not None:
        dsp = encode_list([string(disposition[0]), _params(disposition[1])])
    value = fields.get("content-language")
    languages = _LANGUAGE.findall(_strip_comments(value)) if value is not None else []
    lang = encode_list(map(string, languages)) if languages else NIL
    return [dsp, lang, nstring(fields.get("content-location"))]


def _params(params: Params) -> bytes:
    if not params:
        return NIL
    return encode_list(string(item) for pair in params for item in pair)


def _encoding(value: bytes | None) -> bytes:
    match = _TOKEN.search(value) if value is not None else None
    return match.group() if match else b"7bit"


def _strip_comments(value: bytes) -> bytes:
    return re.sub(rb"\([^()]*\)", b" ", value)
