"""What filter conditions look at, read once per message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from shared.mail.html_text import html_to_text
from shared.mail.mime import parse_message
from shared.model import Address, ParsedMessage

Priority = Literal["high", "normal", "low"]

_LIST_ID = re.compile(r"<([^<>]*)>")
_X_PRIORITY = re.compile(r"\s*([1-5])\b")
# Importance (RFC 2156 §5.3.4) and Priority (RFC 2156 §5.3.6), lower-cased.
_WORDS: dict[str, Priority] = {
    "high": "high",
    "urgent": "high",
    "normal": "normal",
    "low": "low",
    "non-urgent": "low",
}


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """The decoded fields of one message, as filter rules compare them."""

    subject: str
    sender: tuple[Address, ...]  # the From header
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    headers: Mapping[str, tuple[str, ...]]  # lower-cased name -> decoded values, in order
    body: str
    size: int
    has_attachment: bool
    priority: Priority
    list_id: str | None
    recipient: str  # the envelope recipient

    @classmethod
    def of(cls, raw: bytes, *, recipient: str, parsed: ParsedMessage | None = None) -> MessageFacts:
        """The facts of `raw`, delivered to `recipient`; pass `parsed` when already at hand."""
        if parsed is None:
            parsed = parse_message(raw)
        headers: dict[str, tuple[str, ...]] = {}
        for name, value in parsed.headers:
            headers[name.lower()] = (*headers.get(name.lower(), ()), value)
        return cls(
            subject=parsed.subject,
            sender=(parsed.sender,) if parsed.sender else (),
            to=tuple(parsed.to),
            cc=tuple(parsed.cc),
            headers=headers,
            body=parsed.text_body or html_to_text(parsed.html_body),
            size=len(raw),
            has_attachment=any(not a.inline for a in parsed.attachments),
            priority=_priority(headers),
            list_id=_list_id(headers),
            recipient=recipient,
        )

    def header(self, name: str) -> tuple[str, ...]:
        """The decoded values of header `name` (any case), in message order."""
        return self.headers.get(name.lower(), ())


def _priority(headers: Mapping[str, tuple[str, ...]]) -> Priority:
    """X-Priority first ("1 (Highest)" .. "5 (Lowest)"), then Importance, then Priority."""
    for value in headers.get("x-priority", ()):
        digit = _X_PRIORITY.match(value)
        if digit:
            level = int(digit.group(1))
            return "high" if level <= 2 else "low" if level >= 4 else "normal"
    for name in ("importance", "priority"):
        for value in headers.get(name, ()):
            word = _WORDS.get(value.strip().lower())
            if word:
                return word
    return "normal"


def _list_id(headers: Mapping[str, tuple[str, ...]]) -> str | None:
    """The list's identifier: the part of List-Id within <...> (RFC 2919 §3)."""
    for value in headers.get("list-id", ()):
        inside = _LIST_ID.search(value)
        found = (inside.group(1) if inside else value).strip()
        if found:
            return found
    return None
