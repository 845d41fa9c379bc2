"""The data items a FETCH asks for (RFC 3501 §6.4.5, RFC 9051 §6.4.5, BINARY of RFC 3516),
read from the command's tokens into `FetchItem`s.

`parse_fetch_items` takes the token after the sequence set: one atom (a macro, ALL, FAST
or FULL, or one item) or a parenthesised list of items. A section and its partial are
part of their atom (`BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>`, see `tokens.py`).
Anything else is an `ImapSyntaxError`, which the session answers BAD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from services.gateway.imap.seqset import MAX_NUMBER
from services.gateway.imap.tokens import Atom, ImapSyntaxError, Token


class FetchKind(StrEnum):
    FLAGS = "FLAGS"
    INTERNALDATE = "INTERNALDATE"
    RFC822_SIZE = "RFC822.SIZE"
    ENVELOPE = "ENVELOPE"
    BODY = "BODY"  # the structure without extension data
    BODYSTRUCTURE = "BODYSTRUCTURE"
    UID = "UID"
    RFC822 = "RFC822"  # BODY[], named RFC822 in the response
    RFC822_HEADER = "RFC822.HEADER"  # BODY.PEEK[HEADER]
    RFC822_TEXT = "RFC822.TEXT"  # BODY[TEXT]
    SECTION = "BODY[]"  # BODY[section]<partial> and BODY.PEEK[…]
    BINARY = "BINARY[]"  # BINARY[part]<partial> and BINARY.PEEK[…] (RFC 3516)
    BINARY_SIZE = "BINARY.SIZE"  # BINARY.SIZE[part]


# What does not need the message's bytes: the store's data alone answers these.
_WITHOUT_RAW = frozenset(
    {FetchKind.FLAGS, FetchKind.UID, FetchKind.INTERNALDATE, FetchKind.RFC822_SIZE}
)
_SECTION_TEXTS = ("", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME")


@dataclass(frozen=True, slots=True)
class Section:
    """A section spec (RFC 3501 `section-spec`): part numbers ((1, 2) for "1.2"), then
    "", HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or MIME; the field names of
    HEADER.FIELDS[.NOT] in upper case."""

    part: tuple[int, ...] = ()
    text: str = ""
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        """As a response names it: `1.2.HEADER.FIELDS (FROM TO)`."""
        spec = ".".join([*map(str, self.part), *([self.text] if self.text else [])])
        if self.fields:
            spec += " (" + " ".join(self.fields) + ")"
        return spec


@dataclass(frozen=True, slots=True)
class FetchItem:
    """One data item: its kind, the section of BODY[…]/BINARY[…] (the part alone for
    BINARY), the `<origin.count>` partial, and `peek` — True when fetching it leaves the
    message's \\Seen flag alone (.PEEK variants, RFC822.HEADER and every item that is not
    message content)."""

    kind: FetchKind
    section: Section | None = None
    partial: tuple[int, int] | None = None
    peek: bool = True

    @property
    def sets_seen(self) -> bool:
        return not self.peek

    @property
    def needs_raw(self) -> bool:
        """Whether answering it takes the message's bytes."""
        return self.kind not in _WITHOUT_RAW

    @property
    def header_only(self) -> bool:
        """Whether the message's header alone answers it (ENVELOPE, RFC822.HEADER,
        BODY[HEADER…]): a reader may stop at the blank line that ends the header."""
        if self.kind in (FetchKind.ENVELOPE, FetchKind.RFC822_HEADER):
            return True
        section = self.section
        return (
            self.kind is FetchKind.SECTION
            and section is not None
            and not section.part
            and section.text in ("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT")
        )

    def label(self) -> str:
        """The item's name in the FETCH response (RFC 3501 §7.4.2): the partial's origin
        only, `BODY[]` for BODY.PEEK[], `BINARY[1]<0>`…"""
        if self.kind in (FetchKind.SECTION, FetchKind.BINARY, FetchKind.BINARY_SIZE):
            name = {
                FetchKind.SECTION: "BODY",
                FetchKind.BINARY: "BINARY",
                FetchKind.BINARY_SIZE: "BINARY.SIZE",
            }[self.kind]
            text = f"{name}[{self.section or ''}]"
            return text if self.partial is None else f"{text}<{self.partial[0]}>"
        return self.kind.value


_SIMPLE = {
    "FLAGS": FetchItem(FetchKind.FLAGS),
    "INTERNALDATE": FetchItem(FetchKind.INTERNALDATE),
    "RFC822.SIZE": FetchItem(FetchKind.RFC822_SIZE),
    "ENVELOPE": FetchItem(FetchKind.ENVELOPE),
    "BODY": FetchItem(FetchKind.BODY),
    "BODYSTRUCTURE": FetchItem(FetchKind.BODYSTRUCTURE),
    "UID": FetchItem(FetchKind.UID),
    "RFC822": FetchItem(FetchKind.RFC822, Section(), peek=False),
    "RFC822.HEADER": FetchItem(FetchKind.RFC822_HEADER, Section(text="HEADER")),
    "RFC822.TEXT": FetchItem(FetchKind.RFC822_TEXT, Section(text="TEXT"), peek=False),
}
_MACROS = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}
_WITH_SECTION = re.compile(
    r"(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)\[(.*)\](?:<([0-9]+)\.([0-9]+)>)?",
    re.IGNORECASE | re.DOTALL,
)
_PART = re.compile(r"[1-9][0-9]{0,9}")
_HEADER_NAME = re.compile(r'"((?:[^"\\]|\\.)*)"|([!#-\'*-9;-~]+)')


def parse_fetch_items(token: Token) -> list[FetchItem]:
    """The items a FETCH asks for, in order, each once. Raises `ImapSyntaxError`."""
    if isinstance(token, Atom):
        macro = _MACROS.get(token.upper())
        if macro is not None:
            return [_SIMPLE[name] for name in macro]
        return [parse_fetch_item(token.value)]
    if isinstance(token, list) and token:
        items: list[FetchItem] = []
        for element in token:
            if not isinstance(element, Atom):
                raise ImapSyntaxError("invalid fetch attribute")
            item = parse_fetch_item(element.value)
            if item not in items:
                items.append(item)
        return items
    raise ImapSyntaxError("expected a fetch attribute or a list of them")


def parse_fetch_item(text: str) -> FetchItem:
    """One fetch attribute (`UID`, `BODY.PEEK[1.MIME]<0.512>`…). Raises `ImapSyntaxError`."""
    simple = _SIMPLE.get(text.upper())
    if simple is not None:
        return simple
    match = _WITH_SECTION.fullmatch(text)
    if match is None:
        raise ImapSyntaxError(f"unknown fetch attribute: {text[:64]!r}")
    name, spec, origin, count = match.groups()
    name = name.upper()
    partial = None
    if origin is not None:
        partial = (_number(origin, text), _number(count, text))
        if partial[1] == 0:
            raise ImapSyntaxError(f"invalid partial in {text[:64]!r}")
    if name.startswith("BODY"):
        return FetchItem(FetchKind.SECTION, parse_section(spec), partial, name == "BODY.PEEK")
    section = _binary_section(spec)
    if name == "BINARY.SIZE":
        if partial is not None:
            raise ImapSyntaxError("BINARY.SIZE takes no partial")
        return FetchItem(FetchKind.BINARY_SIZE, section)
    return FetchItem(FetchKind.BINARY, section, partial, name == "BINARY.PEEK")


def parse_section(spec: str) -> Section:
    """A section spec as written between the brackets. Raises `ImapSyntaxError`."""
    head, space, names = spec.partition(" ")
    words = head.split(".") if head else []
    numbers: list[int] = []
    while words and _PART.fullmatch(words[0]):
        numbers.append(int(words.pop(0)))
    text = ".".join(words).upper()
    if not all(words) or text not in _SECTION_TEXTS or (text == "MIME" and not numbers):
        raise ImapSyntaxError(f"invalid section: {spec[:64]!r}")
    fields: tuple[str, ...] = ()
    if text.startswith("HEADER.FIELDS"):
        if not space:
            raise ImapSyntaxError(f"{text} needs a list of field names")
        fields = _header_names(names)
    elif space:
        raise ImapSyntaxError(f"invalid section: {spec[:64]!r}")
    return Section(tuple(numbers), text, fields)


def _header_names(text: str) -> tuple[str, ...]:
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise ImapSyntaxError("expected a parenthesised list of header field names")
    inner = text[1:-1]
    names: list[str] = []
    pos = 0
    while pos < len(inner):
        if inner[pos] == " ":
            pos += 1
            continue
        match = _HEADER_NAME.match(inner, pos)
        if match is None:
            raise ImapSyntaxError("invalid header field name")
        quoted, atom = match.groups()
        name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else atom
        if name and name.upper() not in names:
            names.append(name.upper())
        pos = match.end()
    if not names:
        raise ImapSyntaxError("empty list of header field names")
    return tuple(names)


def _binary_section(spec: str) -> Section:
    if not spec:
        return Section()
    words = spec.split(".")
    if not all(_PART.fullmatch(word) for word in words):
        raise ImapSyntaxError(f"invalid binary section: {spec[:64]!r}")
    return Section(tuple(int(word) for word in words))


def _number(text: str, whole: str) -> int:
    value = int(text)
    if value > MAX_NUMBER:
        raise ImapSyntaxError(f"number too large in {whole[:64]!r}")
    return value
