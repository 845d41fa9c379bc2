"""A bound on how deeply a message's HTML nests, before the sanitiser reads it.

The HTML parser under nh3 (html5ever) spends time in proportion to the depth of open
elements for each block element it opens, so 100,000 nested `<div>`s — 500 KB, well
inside a message — cost it seconds, and a few MB of them minutes of a gateway's core.
Browsers bound the depth for the same reason (Chromium's parser stops nesting at 512).
`limit_depth` drops the start and end tags of elements opened deeper than `MAX_DEPTH`
(their content stays, one level up), in one linear pass. It reads tags with a regular
expression, not a full tokenizer: it only ever removes tags past the bound, and the
sanitiser then parses what is left properly, so a tag misread in a pathological document
can cost its layout, never its safety.
"""

from __future__ import annotations

import re
from collections import Counter

MAX_DEPTH = 256

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>")
# Elements that never hold others, and those whose end tag is optional (the parser closes
# them itself when a sibling starts): neither makes the document deeper.
_FLAT = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
        "tfoot", "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",
    }
)  # fmt: skip


def limit_depth(html: str, max_depth: int = MAX_DEPTH) -> str:
    """`html` with the tags of elements nested deeper than `max_depth` removed."""
    if html.count("<") <= max_depth:
        return html  # too few tags to nest that deep
    out: list[str] = []
    position = 0
    open_tags: list[str] = []
    dropped: Counter[str] = Counter()
    for tag in _TAG.finditer(html):
        name = tag.group(2).lower()
        if name in _FLAT or tag.group(0).endswith("/>"):
            continue
        if not tag.group(1):  # a start tag
            if len(open_tags) < max_depth:
                open_tags.append(name)
                continue
            dropped[name] += 1
        elif dropped[name]:  # closes the innermost of that name: one that was dropped
            dropped[name] -= 1
        else:
            if name in open_tags:
                while open_tags.pop() != name:
                    pass
            continue
        out.append(html[position : tag.start()])
        position = tag.end()
    if not out:
        return html
    out.append(html[position:])
    return "".join(out)
