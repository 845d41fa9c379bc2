"""The text of an HTML body, for the `text` display mode of HTML-only mail."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from shared.mail.html_policy import DROPPED_WITH_CONTENT, LINK_SCHEMES

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "link", "meta"}
    | {"param", "source", "track", "wbr"}
)
_SKIPPED = DROPPED_WITH_CONTENT - _VOID
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
        if not href.lower().startswith(LINK_SCHEMES):
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
