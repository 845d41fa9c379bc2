"""Splitting a text into SMS parts (3GPP TS 23.038 and 23.040).

A text written only with the GSM 03.38 default alphabet goes as 7-bit septets: 160 per
single SMS, 153 per part once concatenated (the user data header takes 7). Characters of
the extension table (`€ [ ] { } \\ ^ ~ |` and form feed) take two septets (escape + code),
and a part never ends between the two. Any other character sends the whole text as UCS-2
(UTF-16): 70 code units single, 67 per part; a part never ends inside a surrogate pair,
so a character outside the BMP (most emoji) stays whole. National language shift tables
are not used: providers do not agree on them.
"""

from __future__ import annotations

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE = 160
GSM_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67
# The user data header numbers the parts with one byte.
MAX_PARTS = 255


class SmsTooLong(ValueError):
    """The text needs more parts than a concatenated SMS can have."""

    def __init__(self, parts: int) -> None:
        super().__init__(f"the text needs {parts} SMS parts, at most {MAX_PARTS} are possible")
        self.parts = parts


def is_gsm7(text: str) -> bool:
    """Whether `text` can be sent in the GSM 7-bit default alphabet (with its extension)."""
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def _gsm_units(c: str) -> int:
    return 2 if c in GSM_EXTENSION else 1


def _ucs2_units(c: str) -> int:
    return 2 if ord(c) > 0xFFFF else 1


def _split(text: str) -> list[str]:
    if is_gsm7(text):
        units, single, per_part = _gsm_units, GSM_SINGLE, GSM_PART
    else:
        units, single, per_part = _ucs2_units, UCS2_SINGLE, UCS2_PART
    if sum(units(c) for c in text) <= single:
        return [text]
    parts: list[str] = []
    start = used = 0
    for i, c in enumerate(text):
        n = units(c)
        if used + n > per_part:  # `c` (whole) opens the next part
            parts.append(text[start:i])
            start, used = i, 0
        used += n
    parts.append(text[start:])
    return parts


def split_sms(text: str) -> list[str]:
    """The parts to send `text` as: one when it fits a single SMS, else as many as needed.
    Joined, they give `text` back. An empty text is one (empty) SMS. Raises `SmsTooLong`
    past `MAX_PARTS` parts."""
    parts = _split(text)
    if len(parts) > MAX_PARTS:
        raise SmsTooLong(len(parts))
    return parts


def parts_needed(text: str) -> int:
    """How many SMS `text` takes (what the user is told, and billed); never raises."""
    return len(_split(text))
