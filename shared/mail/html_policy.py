"""What received HTML may keep, shared by the sanitiser (gateway) and text extraction
(gateway display modes, search indexing)."""

from __future__ import annotations

# The only URL schemes a link of a received message may use.
LINK_SCHEMES = ("http:", "https:", "mailto:")

DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "title",
        "head",
        "form",
        "button",
        "select",
        "textarea",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "template",
        "svg",
        "math",
        "audio",
        "video",
        "canvas",
    }
)
