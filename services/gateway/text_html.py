"""Text mail shown as safe HTML (F18): escaped, links made clickable, quotes marked
(RFC 3676 quote depth), format=flowed joined (RFC 3676 §4.2)."""

from __future__ import annotations

import html
import re

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
