"""How a received message body is shown (FEATURES F18): four display modes.

- `text`: the text part, or for an HTML-only message the text of its HTML, rendered as
  safe HTML (`render_text`).
- `filtered` (the default): the HTML sanitised as `services.gateway.html.sanitise_html`
  does, except that inline `cid:` images are kept, pointed at our own attachment URLs,
  and small `data:` images stay; remote images are removed and counted, so a client can
  offer "show images".
- `filtered_images`: the same, with remote http(s) images kept.
- `original`: the HTML untouched. Safe only when served as a document of its own with
  `original_headers()`, never inserted into the client's page.

A message without an HTML part shows its text part the same way in every mode.
Everything here is a pure function.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal
from urllib.parse import unquote

import nh3
from pydantic import BaseModel

# The allow-lists of the sanitiser, reused so that `filtered` differs from
# `sanitise_html` only in what it does with image sources.
from services.gateway import html as sanitiser
from services.gateway.html_depth import limit_depth
from services.gateway.text_html import render_text
from shared.mail.html_policy import DROPPED_WITH_CONTENT, LINK_SCHEMES
from shared.mail.html_text import html_to_text


class DisplayMode(StrEnum):
    TEXT = "text"
    FILTERED = "filtered"
    FILTERED_IMAGES = "filtered_images"
    ORIGINAL = "original"


DEFAULT_MODE = DisplayMode.FILTERED


class Rendered(BaseModel):
    """A body ready for the client. Every mode yields `kind="html"` today (text is
    rendered as escaped HTML); "text" is kept for a client asking for raw text."""

    kind: Literal["text", "html"]
    body: str
    blocked_remote_images: int = 0  # remote images removed (`filtered` only)


def render(
    mode: DisplayMode,
    *,
    text_body: str,
    html_body: str,
    cid_urls: Mapping[str, str],
    flowed: bool = False,
    delsp: bool = False,
) -> Rendered:
    """The body of a message as `mode` shows it.

    `cid_urls` maps Content-IDs (with or without angle brackets) to URLs of our own
    attachment endpoint. `flowed`/`delsp` are the text part's `format=flowed` and
    `delsp=yes` parameters (RFC 3676). Raises ValueError for an unknown mode.
    """
    mode = DisplayMode(mode)
    if not html_body.strip():
        return Rendered(kind="html", body=render_text(text_body, flowed=flowed, delsp=delsp))
    if mode is DisplayMode.TEXT:
        if text_body.strip():
            body = render_text(text_body, flowed=flowed, delsp=delsp)
        else:
            body = render_text(html_to_text(html_body))
        return Rendered(kind="html", body=body)
    if mode is DisplayMode.ORIGINAL:
        return Rendered(kind="html", body=html_body)
    policy = _AttributePolicy(cid_urls, remote_images=mode is DisplayMode.FILTERED_IMAGES)
    body = _cleaner(policy).clean(limit_depth(html_body))
    return Rendered(kind="html", body=body, blocked_remote_images=policy.blocked)


def original_headers() -> dict[str, str]:
    """Response headers without which `original` HTML must never be served (the caller
    adds `Content-Type: text/html; charset=utf-8`).

    - Content-Security-Policy (CSP Level 3): `sandbox` without `allow-scripts` or
      `allow-same-origin` runs nothing and gives the document an opaque origin, so it
      cannot read our cookies or storage nor call the API; `default-src 'none'` with no
      `script-src` is a second lock on scripts and also blocks frames, plugins,
      fetch/XHR, forms' targets and prefetches; images and fonts may load from anywhere
      (the user chose the original), inline styles apply; `frame-ancestors 'self'` lets
      only our own client frame it, against clickjacking.
    - X-Content-Type-Options: nosniff — the browser never reinterprets the body as
      something other than the declared HTML (e.g. as a script).
    - Referrer-Policy: no-referrer — images and links in the mail learn nothing of the
      URL it was read at (it names the message).
    - Cross-Origin-Resource-Policy: same-origin — no other site can embed the response
      (reading a user's mail through a cross-origin <img>/<script> include).
    """
    return {
        "Content-Security-Policy": (
            "sandbox; default-src 'none'; img-src * data: cid:; "
            "style-src 'unsafe-inline'; font-src *; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


# --- Filtered HTML -----------------------------------------------------------------------

_MAX_DATA_IMAGE = 1024 * 1024  # decoded bytes
# Raster images only: an SVG is a document of its own, with links and references.
_DATA_IMAGE = re.compile(
    r"data:image/(?!svg)[a-z0-9.+-]+;base64,([a-z0-9+/=\s]*)", re.IGNORECASE | re.ASCII
)
_ATTRIBUTES = {**sanitiser.ATTRIBUTES, "img": sanitiser.ATTRIBUTES["img"] | {"src"}}


def _content_id(value: str) -> str:
    """A Content-ID as a lookup key: `<a@b>` (header) and `a%40b` (cid: URL, RFC 2392)
    give the same key."""
    return unquote(value).strip().strip("<>").strip().casefold()


class _AttributePolicy:
    """The attribute filter of one rendering: decides every `href` and image source and
    counts the remote images it removes."""

    def __init__(self, cid_urls: Mapping[str, str], *, remote_images: bool) -> None:
        self._cid_urls = {_content_id(cid): url for cid, url in cid_urls.items()}
        self._remote_images = remote_images
        self.blocked = 0

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return self._image(value.strip())
        if attribute in ("href", "src"):
            # As `sanitise_html`: absolute http(s) and mailto links only.
            return value if value.strip().lower().startswith(LINK_SCHEMES) else None
        return sanitiser.drop_active_style(tag, attribute, value)

    def _image(self, src: str) -> str | None:
        lowered = src.lower()
        if lowered.startswith("cid:"):
            return self._cid_urls.get(_content_id(src[4:]))
        if lowered.startswith("data:"):
            match = _DATA_IMAGE.fullmatch(src)
            if match is None:
                return None
            encoded = len(re.sub(r"[\s=]", "", match.group(1)))
            return src if encoded * 3 // 4 < _MAX_DATA_IMAGE else None
        remote = lowered.startswith(("http://", "https://"))
        if not (remote or src.startswith("//")):
            return None  # relative, or another scheme: nothing we could load
        if not self._remote_images:
            self.blocked += 1
            return None
        return src if remote else f"https:{src}"


def _cleaner(policy: _AttributePolicy) -> nh3.Cleaner:
    # The sanitiser's settings, but with image sources allowed and every URL decided by
    # the policy (relative URLs pass nh3 so that our own attachment URLs may be relative).
    return nh3.Cleaner(
        tags=sanitiser.TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=policy,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        url_relative="pass_through",
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        filter_style_properties=sanitiser.STYLE_PROPERTIES,
        strip_comments=True,
    )
