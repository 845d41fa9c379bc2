"""Sanitising of message HTML for display inside the web client (nh3, i.e. ammonia).

The result holds no active content and loads nothing by itself: no scripts or event
handlers, no forms or frames, no style sheets, no images (remote ones track readers;
`cid:` and `data:` ones stay out until the client can show them from attachments).
Links open in a new context without an opener or a referrer.
"""

from __future__ import annotations

import re

import nh3

from services.gateway.html_depth import limit_depth
from shared.mail.html_policy import DROPPED_WITH_CONTENT, LINK_SCHEMES

# Dropped with everything inside them (the rest of the unknown tags keep their text).
TAGS = frozenset((nh3.ALLOWED_TAGS - {"area", "map"}) | {"font"})

ATTRIBUTES: dict[str, set[str]] = {
    tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag in TAGS
}
# Images keep their box and alt text, never their source.
ATTRIBUTES["img"] = {"alt", "width", "height", "align"}
ATTRIBUTES["font"] = {"color", "face", "size"}
ATTRIBUTES["*"] = {"style", "dir", "lang", "title"}
ATTRIBUTES["td"] |= {"width", "height", "valign", "bgcolor"}
ATTRIBUTES["th"] |= {"width", "height", "valign", "bgcolor"}
ATTRIBUTES["table"] |= {"width", "border", "cellpadding", "cellspacing", "bgcolor"}
ATTRIBUTES["tr"] |= {"valign", "bgcolor"}

# CSS properties that cannot take a url() and so cannot load anything.
STYLE_PROPERTIES = frozenset(
    {
        "color",
        "background-color",
        "font",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "font-variant",
        "letter-spacing",
        "line-height",
        "text-align",
        "text-decoration",
        "text-indent",
        "text-transform",
        "vertical-align",
        "white-space",
        "word-spacing",
        "direction",
        "width",
        "height",
        "max-width",
        "min-width",
        "margin",
        "margin-top",
        "margin-right",
        "margin-bottom",
        "margin-left",
        "padding",
        "padding-top",
        "padding-right",
        "padding-bottom",
        "padding-left",
        "border",
        "border-top",
        "border-right",
        "border-bottom",
        "border-left",
        "border-color",
        "border-style",
        "border-width",
        "border-collapse",
        "border-spacing",
        "border-radius",
        "display",
    }
)
# Belt and braces: any url(), legacy expression() or escape trick drops the whole style.
_ACTIVE_CSS = re.compile(r"url\s*\(|expression\s*\(|image-set|@import|\\", re.IGNORECASE)


def drop_active_style(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style" and _ACTIVE_CSS.search(value):
        return None
    return value


_cleaner = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ATTRIBUTES,
    attribute_filter=drop_active_style,
    url_schemes={scheme.rstrip(":") for scheme in LINK_SCHEMES},
    url_relative="deny",
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    filter_style_properties=STYLE_PROPERTIES,
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    """Safe-to-display HTML from a message's HTML body (a pure function)."""
    if not html:
        return ""
    return _cleaner.clean(limit_depth(html))


# Mail the user writes keeps its images: inline ones (cid:, attachments of the message)
# and remote ones the author chose to show. Everything active goes, as above.
_COMPOSED_ATTRIBUTES = {**ATTRIBUTES, "img": ATTRIBUTES["img"] | {"src"}}
_composed_cleaner = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=_COMPOSED_ATTRIBUTES,
    attribute_filter=drop_active_style,
    url_schemes={scheme.rstrip(":") for scheme in LINK_SCHEMES} | {"cid"},
    url_relative="deny",
    link_rel="noopener noreferrer",
    filter_style_properties=STYLE_PROPERTIES,
    strip_comments=True,
)


def sanitise_composed_html(html: str) -> str:
    """Safe HTML for a message being sent: as `sanitise_html`, but images keep a `cid:`
    or web source (the user put them there)."""
    if not html:
        return ""
    return _composed_cleaner.clean(limit_depth(html))
