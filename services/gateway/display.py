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

import html
import re
from collections.abc import Mapping
from enum import StrEnum
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import unquote

import nh3
from pydantic import BaseModel

# The allow-lists of the sanitiser, reused so that `filtered` differs from
# `sanitise_html` only in what it does with image sources.
from services.gateway import html as sanitiser


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
    body = _cleaner(policy).clean(html_body)
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
_LINK_SCHEMES = ("http:", "https:", "mailto:")
_ATTRIBUTES = {**sanitiser._ATTRIBUTES, "img": sanitiser._ATTRIBUTES["img"] | {"src"}}


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
            return value if value.strip().lower().startswith(_LINK_SCHEMES) else None
        return sanitiser._drop_active_style(tag, attribute, value)

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
        tags=sanitiser._TAGS,
        clean_content_tags=sanitiser._DROPPED_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=policy,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        url_relative="pass_through",
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        filter_style_properties=sanitiser._STYLE_PROPERTIES,
        strip_comments=True,
    )


# --- Text mail as HTML ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LENIENT_QUOTE = re.compile(r"(?:>[ \t]?)+")  # ">", ">>", "> > ", as mail clients write them
_URL = re.compile(r"(?<![\w@./-])(?:https?://|mailto:|www\.)[^\s<>\"]+", re.IGNORECASE)
_URL_BODY = re.compile(r"(?:https?://|mailto:|www\.)\w", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_"
_CLOSING = {")": "(", "]": "[", "}": "{"}
_LINK_ATTRIBUTES = 'rel="noopener noreferrer nofollow" target="_blank"'
_MAX_QUOTE_DEPTH = 20  # deeper quotes are shown at this depth, not nested further


def render_text(text: str, *, flowed: bool = False, delsp: bool = False) -> str:
    """A text body as safe HTML: everything escaped; http(s), mailto and www. links made
    links; quoted lines (RFC 3676 §4.5 quote depth) in nested
    `<blockquote class="quote" data-depth="N">`, at most 20 deep; line breaks as `<br>`
    and runs of spaces kept, inside `<div class="text">`. `flowed` joins soft line
    breaks (RFC 3676 §4.2) and removes space-stuffing (§4.4); `delsp` is its DelSp=yes."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = _flowed_lines(text, delsp) if flowed else _fixed_lines(text)
    blank = [i for i, line in enumerate(lines) if line != (0, "")]
    lines = lines[blank[0] : blank[-1] + 1] if blank else []
    # A blockquote has margins of its own: a blank line against its edge only adds a <br>.
    lines = [
        (depth, content)
        for i, (depth, content) in enumerate(lines)
        if content
        or not (
            (i > 0 and lines[i - 1][0] != depth)
            or (i + 1 < len(lines) and lines[i + 1][0] != depth)
        )
    ]
    out = ['<div class="text">']
    depth = 0
    line_before = False  # a line was written at this depth: the next one needs a <br>
    for line_depth, content in lines:
        line_depth = min(line_depth, _MAX_QUOTE_DEPTH)
        if line_depth != depth:
            while depth < line_depth:
                depth += 1
                out.append(f'<blockquote class="quote" data-depth="{depth}">')
            while depth > line_depth:
                depth -= 1
                out.append("</blockquote>")
            line_before = False
        if line_before:
            out.append("<br>")
        out.append(_line_html(content.expandtabs(8)))
        line_before = True
    out.append("</blockquote>" * depth + "</div>")
    return "".join(out)


def _fixed_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for line in text.split("\n"):
        match = _LENIENT_QUOTE.match(line)
        if match:
            lines.append((match.group().count(">"), line[match.end() :]))
        else:
            lines.append((0, line))
    return lines


def _flowed_lines(text: str, delsp: bool) -> list[tuple[int, str]]:
    """RFC 3676 §4.2-4.5: logical lines of format=flowed text, with their quote depth."""
    lines: list[tuple[int, str]] = []
    paragraph: list[str] = []
    paragraph_depth = 0
    for line in text.split("\n"):
        content = line.lstrip(">")
        depth = len(line) - len(content)
        if content.startswith(" "):  # space-stuffing (§4.4), also after quote marks
            content = content[1:]
        if paragraph and depth != paragraph_depth:  # §4.5: a depth change ends it
            lines.append((paragraph_depth, "".join(paragraph)))
            paragraph = []
        soft = content.endswith(" ") and content != "-- "  # "-- " is the signature line
        paragraph.append(content[:-1] if soft and delsp else content)
        paragraph_depth = depth
        if not soft:
            lines.append((depth, "".join(paragraph)))
            paragraph = []
    if paragraph:
        lines.append((paragraph_depth, "".join(paragraph)))
    return lines


def _line_html(line: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        url = _trim_url(match.group())
        if not _URL_BODY.match(url):
            continue
        parts.append(_text_html(line[position : match.start()], position == 0))
        href = f"http://{url}" if url[:4].lower() == "www." else url
        parts.append(f'<a href="{html.escape(href)}" {_LINK_ATTRIBUTES}>{html.escape(url)}</a>')
        position = match.start() + len(url)
    parts.append(_text_html(line[position:], position == 0))
    return "".join(parts)


def _trim_url(url: str) -> str:
    """Without trailing punctuation, nor a closing bracket it did not open."""
    unmatched = {close: url.count(close) - url.count(open_) for close, open_ in _CLOSING.items()}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _CLOSING and unmatched[last] > 0:
            unmatched[last] -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return url[:end]


def _text_html(text: str, line_start: bool) -> str:
    escaped = html.escape(text)
    # Runs of spaces (alignment, indentation) survive HTML's whitespace collapsing.
    escaped = re.sub(r" {2,}", lambda m: "&nbsp;" * (len(m.group()) - 1) + " ", escaped)
    if line_start and escaped.startswith(" "):
        escaped = "&nbsp;" + escaped[1:]
    return escaped


# --- HTML to text --------------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "link", "meta"}
    | {"param", "source", "track", "wbr"}
)
_SKIPPED = sanitiser._DROPPED_WITH_CONTENT - _VOID
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"}
    | {"dl", "hr", "figure"}
)
_BLOCKS = _PARAGRAPHS | {
    "div", "li", "tr", "dt", "dd", "address", "article", "aside", "center", "caption",
    "details", "fieldset", "figcaption", "footer", "header", "main", "nav", "section",
    "summary", "tbody", "thead", "tfoot",
}  # fmt: skip
_HEAD_CONTENT = frozenset({"title", "meta", "link", "style", "script", "base", "noscript"})
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")


def html_to_text(markup: str) -> str:
    """The text of an HTML body: block elements as line breaks (paragraphs as blank
    lines), links as "text <url>", lists as "- " / "1. ", blockquotes as "> " quotes,
    entities decoded, scripts, styles and the like dropped."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return parser.text()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[tuple[int, str]] = []  # finished lines, with quote depth
        self._line: list[str] = []
        self._line_depth = 0
        self._newlines = 0  # owed before the next text: 1 = new line, 2 = blank line
        self._depth = 0  # <blockquote> nesting
        self._skipping: dict[str, int] = {}  # elements dropped with their content, still open
        self._pre = 0
        self._link: tuple[str, list[str]] | None = None  # href, the words shown for it
        self._lists: list[int | None] = []  # None for <ul>, the next number for <ol>
        self._in_item = 0  # <li> nesting: a list inside an item is no new paragraph

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HEAD_CONTENT and list(self._skipping) == ["head"]:
            self._skipping.clear()  # a <head> left open ends where the body starts, as in HTML
        if tag in _SKIPPED:
            self._skipping[tag] = self._skipping.get(tag, 0) + 1
        if self._skipping:
            return
        attributes = dict(attrs)
        if tag == "br":
            self._newlines += 1
        elif tag in _BLOCKS:
            self._block(tag)
        if tag == "blockquote":
            self._depth += 1
        elif tag == "pre":
            self._pre += 1
        elif tag in ("ul", "ol"):
            self._lists.append(None if tag == "ul" else 1)
        elif tag == "li":
            self._in_item += 1
            self._list_item()
        elif tag == "a":
            self._end_link()  # links do not nest: a new one closes the last, as in HTML
            self._link = ((attributes.get("href") or "").strip(), [])
        elif tag == "img" and attributes.get("alt"):
            self._text(attributes["alt"] or "")
        elif tag in ("td", "th"):
            self._text(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag in self._skipping:
                self._skipping[tag] -= 1
                if not self._skipping[tag]:
                    del self._skipping[tag]
            return
        if tag in _BLOCKS:
            self._block(tag)
        if tag == "blockquote":
            self._depth = max(0, self._depth - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        elif tag == "li":
            self._in_item = max(0, self._in_item - 1)
        elif tag == "a":
            self._end_link()

    def handle_data(self, data: str) -> None:
        if list(self._skipping) == ["head"] and data.strip():
            self._skipping.clear()  # text ends an open <head>, as in HTML
        if self._skipping:
            return
        if not self._pre:
            self._text(_WHITESPACE.sub(" ", data))
            return
        for i, piece in enumerate(data.split("\n")):
            if i:
                self._newlines += 1
                self._text("")
            self._text(piece)

    def _block(self, tag: str) -> None:
        paragraph = tag in _PARAGRAPHS and not (tag in ("ul", "ol") and self._in_item)
        self._newlines = max(self._newlines, 2 if paragraph else 1)

    def _list_item(self) -> None:
        indent = "\xa0\xa0" * max(0, len(self._lists) - 1)
        number = self._lists[-1] if self._lists else None
        if number is None:
            self._text(f"{indent}- ")
        else:
            self._lists[-1] = number + 1
            self._text(f"{indent}{number}. ")

    def _end_link(self) -> None:
        """After a link's text, its URL as "<url>", unless the text already shows it."""
        if self._link is None:
            return
        href, words = self._link
        self._link = None
        text = "".join(words).strip()
        if not href.lower().startswith(_LINK_SCHEMES):
            return
        shown = {href, href.rstrip("/"), href.removeprefix("mailto:")}
        if text not in shown and text.rstrip("/") not in shown:
            self._text(f" <{href}>" if text else f"<{href}>")

    def _text(self, text: str) -> None:
        """Adds text to the current line, after the line breaks owed."""
        if self._newlines and (self._line or self._lines):
            self._finish_line()
            if self._newlines > 1:
                self._lines.append((min(self._line_depth, self._depth), ""))
        if self._newlines or not self._line:
            self._newlines = 0
            self._line_depth = self._depth
            if not self._pre:
                text = text.lstrip(" ")
        elif not self._pre and text.startswith(" ") and self._line[-1].endswith(" "):
            text = text[1:]
        if text or self._pre:
            self._line.append(text)
            if self._link is not None:
                self._link[1].append(text)

    def _finish_line(self) -> None:
        self._lines.append((self._line_depth, "".join(self._line).rstrip()))
        self._line = []

    def text(self) -> str:
        self._end_link()
        if self._line:
            self._finish_line()
        lines = [
            (f"{'>' * depth} {content}" if depth and content else ">" * depth + content)
            for depth, content in self._lines
        ]
        text = "\n".join(lines).replace("\xa0", " ")
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
