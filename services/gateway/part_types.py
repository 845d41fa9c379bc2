"""How an attachment may be served: as its own type, inline, or only as opaque bytes.

A stranger's bytes must never run in our origin: types a browser renders as an active
document (HTML, XML, SVG, scripts) or a malformed type always leave as an
`application/octet-stream` download; inline display is only for a few passive types.
"""

from __future__ import annotations

import re

OPAQUE = "application/octet-stream"
_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_CHARSET = re.compile(r"[a-z0-9][a-z0-9._:+-]{0,39}")
_ACTIVE = re.compile(r"html|xml|svg|script|xsl|x-mixed-replace|cache-manifest")
_INLINE_SAFE = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "application/pdf",
        "text/plain",
    }
)


def is_risky(content_type: str) -> bool:
    """Whether a browser could run or render the type as a document in our origin."""
    ctype = content_type.strip().lower()
    return not _TOKEN.fullmatch(ctype) or bool(_ACTIVE.search(ctype))


def served_as(content_type: str, *, want_inline: bool) -> tuple[str, bool]:
    """(Content-Type to send, whether inline) for an attachment of `content_type`."""
    ctype = content_type.strip().lower()
    if is_risky(ctype):
        return OPAQUE, False
    inline = want_inline and (ctype in _INLINE_SAFE or ctype.startswith(("audio/", "video/")))
    return ctype, inline


def protective_headers(content_type: str, *, inline: bool) -> dict[str, str]:
    """`nosniff` always, and a CSP sandbox so that even a safe type opened in a tab can
    load or run nothing. Not for a PDF shown inline: browsers' PDF viewers are plugins or
    extensions that a sandboxed document may not load, and they keep the PDF away from
    our origin themselves."""
    headers = {"X-Content-Type-Options": "nosniff"}
    if not (inline and content_type == "application/pdf"):
        headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return headers


def header_charset(charset: str | None) -> str | None:
    """A text part's charset if it is a plain token (it goes into a header as is)."""
    if charset is None:
        return None
    charset = charset.strip().lower()
    return charset if _CHARSET.fullmatch(charset) else None
