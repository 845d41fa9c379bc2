"""The MIME structure of a raw message as IMAP numbers it (RFC 3501 §6.4.5), by offsets
into the raw bytes, and the bytes of `BODY[section]`.

The tree is read off the bytes themselves (not the `email` package) so that a section is
exactly the octets stored and its size those of the body as encoded. Boundaries follow
the stdlib parser's rules (a delimiter line is `--boundary`, optionally `--`, then only
spaces or tabs; the line end before it belongs to it, RFC 2046 §5.1.1; a close delimiter
that never comes ends the parts at the end of their parent), so the leaf parts get the
numbers `shared.mail.mime` gives them. Best effort, never raises on a malformed message:
- a multipart without a boundary parameter, or whose boundary never appears, is one
  text/plain part (what `shared.mail.mime` shows of it);
- a body part whose first line is not a header field has no header (its body starts
  there); a message's header runs to the first blank line, whatever it holds (Dovecot);
- an invalid Content-Type is text/plain; charset=us-ascii (RFC 2045 §5.2);
- a nonexistent part is empty (as Dovecot answers).

Part numbers: the parts of a multipart are its children; a message/rfc822 part's parts
are those of the message it encloses; a message that is not multipart has one part, "1",
its body (and so is part 1 of any other single part, as Dovecot reads it). `N.MIME` is
part N's own header; `N.HEADER`/`N.TEXT` the header and text of the message that a
message/rfc822 part N encloses.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from functools import cached_property

from services.gateway.imap.fetch_items import Section, parse_section

_MAX_DEPTH = 32  # nesting past this is read as a leaf: no recursion blow-up on hostile mail
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_FOLD = re.compile(rb"\r?\n")
_FIELD = re.compile(rb"(?m)^[^ \t\r\n][^\n]*(?:\n[ \t][^\n]*)*\n?")

# RFC 2045 tspecials, with space and controls, end a token.
_TOKEN = re.compile(rb'[^\x00-\x20()<>@,;:\\"/\[\]?=\x7f]+')
_QUOTED = re.compile(rb'"((?:[^"\\]|\\.)*)"?', re.DOTALL)
_QUOTED_PAIR = re.compile(rb"\\(.)", re.DOTALL)
_RFC2231 = re.compile(rb"(.+?)\*(?:([0-9]{1,3})(\*?))?")
_ESCAPED = re.compile(rb"[%\x00-\x1f\x7f-\xff]")

DEFAULT_TYPE = (b"text", b"plain")
Params = tuple[tuple[bytes, bytes], ...]


# --- Header fields -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeaderField:
    name: str  # lower case, as the field names it
    raw: bytes  # the whole field, continuation lines and line ends included

    @property
    def value(self) -> bytes:
        """The value unfolded (line ends removed, RFC 5322 §2.2.3), leading blanks off."""
        value = self.raw.partition(b":")[2]
        return _FOLD.sub(b"", value).lstrip(b" \t")


def split_header(
    raw: bytes, start: int = 0, end: int | None = None, *, body_part: bool = False
) -> tuple[int, int]:
    """Where the header of the entity in raw[start:end] ends (after the last field's line
    end) and where its body begins (after the blank line). A body part (of a multipart)
    whose first line is no header field has no header, as the stdlib parser reads it; a
    message's header runs to the blank line whatever it holds, as Dovecot reads it."""
    end = len(raw) if end is None else end
    if raw.startswith(b"\r\n", start) and start + 2 <= end:
        return start, start + 2
    if raw.startswith(b"\n", start) and start + 1 <= end:
        return start, start + 1
    if body_part and start < end and not _FIELD_LINE.match(raw, start, end):
        return start, start
    match = _HEADER_END.search(raw, start, end)
    if match is None:
        return end, end
    cut = match.start() + (2 if raw.startswith(b"\r\n", match.start()) else 1)
    return cut, match.end()


def header_fields(header: bytes) -> list[HeaderField]:
    """The fields of a header block, in order, each with its continuation lines. A line
    without a colon is a field with no value, named by the whole line (as Dovecot keeps
    it, in HEADER.FIELDS.NOT); a continuation line with no field before it is dropped."""
    fields: list[HeaderField] = []
    for raw_field in _FIELD.findall(header):
        name = raw_field.partition(b":")[0].rstrip(b" \t\r\n")
        fields.append(HeaderField(name.decode("latin-1").lower(), raw_field))
    return fields


def first_value(fields: list[HeaderField], name: str) -> bytes | None:
    for header_field in fields:
        if header_field.name == name:
            return header_field.value
    return None


def first_values(fields: list[HeaderField], names: frozenset[str]) -> dict[str, bytes]:
    """The value of the first field of each of these names that the header has."""
    found: dict[str, bytes] = {}
    for header_field in fields:
        if header_field.name in names and header_field.name not in found:
            found[header_field.name] = header_field.value
    return found


# --- The MIME tree -------------------------------------------------------------------------


@dataclass(slots=True)
class Entity:
    """A MIME entity: raw[start:header_end] is its header, raw[body_start:end] its body."""

    start: int
    header_end: int
    body_start: int
    end: int
    fields: list[HeaderField]
    type: bytes  # as written ("TEXT" stays "TEXT"); compare with .lower()
    subtype: bytes
    params: Params
    children: list[Entity] = field(default_factory=list)  # the parts of a multipart
    message: Entity | None = None  # what a message/rfc822 part encloses

    def parts(self) -> list[Entity]:
        """The entities numbered 1, 2, … below this one (see the module's docstring). A
        leaf's part 1 is itself, as Dovecot reads "N.1" of a part that is not multipart."""
        if self.children:
            return self.children
        if self.message is not None:
            return self.message.children or [self.message]
        return [self]


def parse_tree(
    raw: bytes,
    split: tuple[int, int] | None = None,
    fields: list[HeaderField] | None = None,
) -> Entity:
    """The MIME tree of a whole message (its header's `split_header` and fields if they
    are known already)."""
    return _entity(raw, 0, len(raw), None, 0, split, fields)


def _entity(
    raw: bytes,
    start: int,
    end: int,
    default: tuple[bytes, bytes] | None,
    depth: int,
    split: tuple[int, int] | None = None,
    fields: list[HeaderField] | None = None,
) -> Entity:
    """The entity in raw[start:end]: a message, or with `default` (its default type) a
    body part of a multipart."""
    header_end, body_start = split or split_header(raw, start, end, body_part=bool(default))
    if fields is None:
        fields = header_fields(raw[start:header_end])
    content_type = first_value(fields, "content-type")
    parsed = parse_content_type(content_type) if content_type is not None else None
    if parsed is None:
        main, sub = default or DEFAULT_TYPE
        params: Params = ()
    else:
        main, sub, params = parsed
    entity = Entity(start, header_end, body_start, end, fields, main, sub, params)
    if depth >= _MAX_DEPTH:
        return entity
    kind = main.lower()
    if kind == b"multipart":
        boundary = _boundary(params)
        spans = _part_spans(raw, body_start, end, boundary) if boundary else []
        if not spans:  # nothing to split on: one text part, as shared.mail.mime reads it
            entity.type, entity.subtype, entity.params = *DEFAULT_TYPE, ()
            return entity
        child_default = (b"message", b"rfc822") if sub.lower() == b"digest" else DEFAULT_TYPE
        entity.children = [_entity(raw, s, e, child_default, depth + 1) for s, e in spans]
    elif kind == b"message" and sub.lower() in (b"rfc822", b"global"):
        entity.message = _entity(raw, body_start, end, None, depth + 1)
    return entity


def _part_spans(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """Where each body part of a multipart lies: between a delimiter line and the line
    end before the next (which belongs to that delimiter, RFC 2046 §5.1.1)."""
    delimiter = re.compile(rb"(?m)^--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    spans: list[tuple[int, int]] = []
    part_start: int | None = None
    for match in delimiter.finditer(raw, start, end):
        if part_start is not None:
            cut = match.start()
            cut -= 2 if raw[cut - 2 : cut] == b"\r\n" else 1
            spans.append((part_start, max(part_start, cut)))
        if match.group(1):
            return spans
        part_start = match.end()
    if part_start is not None:  # no close delimiter: the last part runs to the end
        spans.append((part_start, end))
    return spans


# --- Structured fields (Content-Type, Content-Disposition) ---------------------------------


def parse_content_type(value: bytes) -> tuple[bytes, bytes, Params] | None:
    """`type/subtype; params` (comments skipped), or None when it is not one."""
    pos = _skip_cfws(value, 0)
    main = _TOKEN.match(value, pos)
    if main is None:
        return None
    pos = _skip_cfws(value, main.end())
    if value[pos : pos + 1] != b"/":
        return None
    pos = _skip_cfws(value, pos + 1)
    sub = _TOKEN.match(value, pos)
    if sub is None:
        return None
    return main.group(), sub.group(), parse_params(value, sub.end())


def parse_disposition(value: bytes) -> tuple[bytes, Params] | None:
    """`inline; filename=…` or `attachment; …`, or None when there is no type."""
    pos = _skip_cfws(value, 0)
    kind = _TOKEN.match(value, pos)
    if kind is None:
        return None
    return kind.group(), parse_params(value, kind.end())


def parse_params(value: bytes, pos: int) -> Params:
    """`; name=value` pairs from `pos`, values unquoted; RFC 2231 continuations merged (an
    extended one as `name*` with its value still encoded, as Dovecot gives them)."""
    params: list[tuple[bytes, bytes]] = []
    while True:
        semicolon = value.find(b";", pos)
        if semicolon < 0:
            break
        pos = _skip_cfws(value, semicolon + 1)
        name = _TOKEN.match(value, pos)
        if name is None:
            continue
        pos = _skip_cfws(value, name.end())
        if value[pos : pos + 1] != b"=":
            continue
        pos = _skip_cfws(value, pos + 1)
        quoted = _QUOTED.match(value, pos)
        if quoted is not None:
            params.append((name.group(), _QUOTED_PAIR.sub(rb"\1", quoted.group(1))))
            pos = quoted.end()
            continue
        token = _TOKEN.match(value, pos)
        params.append((name.group(), token.group() if token else b""))
        pos = token.end() if token else pos
    return _merge_continuations(params)


def _merge_continuations(params: list[tuple[bytes, bytes]]) -> Params:
    """RFC 2231 parameters (`name*`, `name*0`, `name*1*`…) after the plain ones, merged and
    sorted by name, as Dovecot lists them."""
    plain: list[tuple[bytes, bytes]] = []
    split: dict[bytes, list[tuple[int, bool, bytes]]] = {}
    for name, value in params:
        match = _RFC2231.fullmatch(name)
        if match is None:
            plain.append((name, value))
            continue
        base, index, star = match.groups()
        extended = index is None or bool(star)
        split.setdefault(base, []).append((int(index or 0), extended, value))
    for base in sorted(split, key=bytes.lower):
        pieces = sorted(split[base], key=lambda piece: piece[0])
        if any(extended for _, extended, _ in pieces):
            value = b"".join(v if extended else _percent(v) for _, extended, v in pieces)
            plain.append((base + b"*", value))
        else:
            plain.append((base, b"".join(v for _, _, v in pieces)))
    return tuple(plain)


def _percent(value: bytes) -> bytes:
    """A plain segment joined to encoded ones: "%" (and what cannot be printed) escaped."""
    return _ESCAPED.sub(lambda m: b"%%%02X" % m.group()[0], value)


def _boundary(params: Params) -> bytes | None:
    """The boundary parameter, also as RFC 2231 writes it (`boundary*=us-ascii''b`)."""
    for key, value in params:
        if key.lower() == b"boundary":
            return value
    for key, value in params:
        if key.lower() == b"boundary*":
            encoded = value.split(b"'", 2)[-1]
            return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), encoded)
    return None


def _skip_cfws(value: bytes, pos: int) -> int:
    """Past blanks, line ends and (nested) comments."""
    while pos < len(value):
        ch = value[pos : pos + 1]
        if ch in (b" ", b"\t", b"\r", b"\n"):
            pos += 1
        elif ch == b"(":
            depth = 0
            while pos < len(value):
                ch = value[pos : pos + 1]
                if ch == b"\\":
                    pos += 1
                elif ch == b"(":
                    depth += 1
                elif ch == b")":
                    depth -= 1
                    if depth == 0:
                        pos += 1
                        break
                pos += 1
        else:
            break
    return pos


# --- Sections ------------------------------------------------------------------------------


class RawMessage:
    """A raw message read as lazily as each use allows: the header split and its fields for
    header-only items, the whole MIME tree only for structure and parts. One per message
    per FETCH, so every item of the FETCH shares the reading."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @cached_property
    def _split(self) -> tuple[int, int]:
        return split_header(self.raw)

    @property
    def header_end(self) -> int:
        return self._split[0]

    @property
    def body_start(self) -> int:
        return self._split[1]

    @cached_property
    def fields(self) -> list[HeaderField]:
        return header_fields(self.raw[: self.header_end])

    @cached_property
    def tree(self) -> Entity:
        return parse_tree(self.raw, (self.header_end, self.body_start), self.fields)

    def section(self, spec: Section) -> bytes:
        """The bytes of BODY[spec] (RFC 3501 §6.4.5)."""
        raw = self.raw
        if not spec.part:
            if spec.text == "":
                return raw
            split = (self.header_end, self.body_start)
            return _message_text(raw, spec, 0, split, len(raw), self.fields)
        entity = self.part(spec.part)
        if entity is None:
            return b""
        if spec.text == "":
            return raw[entity.body_start : entity.end]
        if spec.text == "MIME":
            return raw[entity.start : entity.body_start]
        inner = entity.message
        if inner is None:
            return b""  # HEADER and TEXT are only those of an enclosed message
        split = (inner.header_end, inner.body_start)
        return _message_text(raw, spec, inner.start, split, inner.end, inner.fields)

    def part(self, numbers: tuple[int, ...]) -> Entity | None:
        return find_part(self.tree, numbers)


def find_part(root: Entity, numbers: tuple[int, ...]) -> Entity | None:
    """The entity that part `numbers` ((2, 1) for "2.1") of the message names, or None."""
    parts = root.children or [root]
    node: Entity | None = None
    for number in numbers:
        if not 1 <= number <= len(parts):
            return None
        node = parts[number - 1]
        parts = node.parts()
    return node


def _message_text(
    raw: bytes,
    spec: Section,
    start: int,
    split: tuple[int, int],
    end: int,
    fields: list[HeaderField],
) -> bytes:
    """HEADER, HEADER.FIELDS[.NOT] or TEXT of the message in raw[start:end]."""
    header_end, body_start = split
    if spec.text == "HEADER":
        return raw[start:body_start]
    if spec.text == "TEXT":
        return raw[body_start:end]
    names = set(spec.fields)
    keep = spec.text == "HEADER.FIELDS"
    eol = raw[header_end:body_start] or b"\r\n"  # the blank line as the message has it
    lines = [f.raw for f in fields if (f.name.upper() in names) == keep]
    return b"".join(line if line.endswith(b"\n") else line + eol for line in lines) + eol


def section(raw: bytes, spec: str) -> bytes:
    """The bytes of `BODY[spec]` of a raw message (`spec` as written between the brackets:
    "", "HEADER", "1.2.TEXT", "HEADER.FIELDS (FROM TO)"…). Raises `ImapSyntaxError` for a
    malformed spec; a nonexistent part is b""."""
    return RawMessage(raw).section(parse_section(spec))


def partial(data: bytes, origin: int, count: int) -> bytes:
    """The `<origin.count>` slice of a section: empty when origin lies past its end."""
    return data[origin : origin + count]


# --- Transfer encodings --------------------------------------------------------------------

_IDENTITY = frozenset({b"", b"7bit", b"8bit", b"binary"})
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(c for c in range(256) if c not in _BASE64_ALPHABET)


def transfer_encoding(entity: Entity) -> bytes:
    """The entity's Content-Transfer-Encoding, lower case; b"" when it has none."""
    value = first_value(entity.fields, "content-transfer-encoding")
    match = _TOKEN.search(value) if value is not None else None
    return match.group().lower() if match else b""


def decode_transfer(data: bytes, encoding: bytes) -> bytes | None:
    """`data` with its transfer encoding (`transfer_encoding`) removed, leniently (stray
    characters and missing padding in base64 are ignored); None for an unknown encoding."""
    if encoding in _IDENTITY:
        return data
    if encoding == b"base64":
        clean = data.translate(None, _NOT_BASE64)
        if len(clean) % 4 == 1:  # a lone sextet carries no whole octet
            clean = clean[:-1]
        return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))
    if encoding == b"quoted-printable":
        return binascii.a2b_qp(data)
    return None
