"""Display modes of a message body (F18), text rendering and HTML-to-text, case by case."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from services.gateway.display import (
    DEFAULT_MODE,
    DisplayMode,
    Rendered,
    html_to_text,
    original_headers,
    render,
    render_text,
)
from services.gateway.html import sanitise_html
from tests.scaling import LINEAR_BOUND, growth

TEXT = "Hello <b>Alice</b>,\nsee https://example.org/x.\n"
HTML = '<p onclick="x()">Hello <b>Alice</b></p><script>alert(1)</script>'
CIDS = {"<logo@x>": "/api/v1/messages/m1/attachments/3"}
LINK = 'rel="noopener noreferrer nofollow" target="_blank"'
HTML_LINK = 'target="_blank" rel="noopener noreferrer"'  # as sanitise_html writes it

TEXT_AS_HTML = (
    '<div class="text">Hello &lt;b&gt;Alice&lt;/b&gt;,<br>see '
    f'<a href="https://example.org/x" {LINK}>https://example.org/x</a>.</div>'
)


def show(mode: DisplayMode, text: str = "", html: str = "") -> Rendered:
    return render(mode, text_body=text, html_body=html, cid_urls=CIDS)


def inner(text: str, **flags: bool) -> str:
    """`render_text` without its wrapper."""
    body = render_text(text, **flags)
    assert body.startswith('<div class="text">') and body.endswith("</div>")
    return body[len('<div class="text">') : -len("</div>")]


# --- Modes --------------------------------------------------------------------------------

# (mode, text body, HTML body, expected body)
MODES = [
    (DisplayMode.TEXT, TEXT, "", TEXT_AS_HTML),
    (DisplayMode.TEXT, TEXT, HTML, TEXT_AS_HTML),
    (DisplayMode.TEXT, "", HTML, '<div class="text">Hello Alice</div>'),
    (DisplayMode.TEXT, " \n", HTML, '<div class="text">Hello Alice</div>'),
    (DisplayMode.FILTERED, TEXT, "", TEXT_AS_HTML),
    (DisplayMode.FILTERED, TEXT, HTML, "<p>Hello <b>Alice</b></p>"),
    (DisplayMode.FILTERED, "", HTML, "<p>Hello <b>Alice</b></p>"),
    (DisplayMode.FILTERED_IMAGES, TEXT, "", TEXT_AS_HTML),
    (DisplayMode.FILTERED_IMAGES, TEXT, HTML, "<p>Hello <b>Alice</b></p>"),
    (DisplayMode.FILTERED_IMAGES, "", HTML, "<p>Hello <b>Alice</b></p>"),
    (DisplayMode.ORIGINAL, TEXT, "", TEXT_AS_HTML),
    (DisplayMode.ORIGINAL, TEXT, HTML, HTML),
    (DisplayMode.ORIGINAL, "", HTML, HTML),
    (DisplayMode.ORIGINAL, TEXT, "  \n", TEXT_AS_HTML),  # a blank HTML part is no HTML part
    (DisplayMode.FILTERED, "", "", '<div class="text"></div>'),
]


@pytest.mark.parametrize(("mode", "text", "html", "expected"), MODES)
def test_modes(mode: DisplayMode, text: str, html: str, expected: str) -> None:
    assert show(mode, text, html) == Rendered(kind="html", body=expected, blocked_remote_images=0)


def test_default_mode_and_mode_names() -> None:
    assert DEFAULT_MODE is DisplayMode.FILTERED
    assert [m.value for m in DisplayMode] == ["text", "filtered", "filtered_images", "original"]
    assert render("text", text_body="a", html_body="<p>b</p>", cid_urls={}).body == (  # type: ignore[arg-type]
        '<div class="text">a</div>'
    )
    with pytest.raises(ValueError):
        render("raw", text_body="a", html_body="<p>b</p>", cid_urls={})  # type: ignore[arg-type]


def test_flowed_flags_reach_the_text() -> None:
    rendered = render(
        DisplayMode.FILTERED, text_body="one \ntwo\n", html_body="", cid_urls={}, flowed=True
    )
    assert rendered.body == '<div class="text">one two</div>'


# --- Filtered HTML ------------------------------------------------------------------------

PNG_DATA = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()
BIG_PNG = "data:image/png;base64," + "A" * (1024 * 1024 * 4 // 3 + 4)
SVG_DATA = "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)/>").decode()

# (HTML, filtered, blocked in filtered, filtered_images)
IMAGES = [
    (
        '<img src="http://t.example/p.gif" alt="p">',
        '<img alt="p">',
        1,
        '<img src="http://t.example/p.gif" alt="p">',
    ),
    (
        '<img src=" HTTPS://t.example/p.gif ">',
        "<img>",
        1,
        '<img src="HTTPS://t.example/p.gif">',
    ),
    ('<img src="//t.example/p.gif">', "<img>", 1, '<img src="https://t.example/p.gif">'),
    (
        '<img src="https://a.example/1"><p><img src="https://b.example/2"></p>',
        "<img><p><img></p>",
        2,
        '<img src="https://a.example/1"><p><img src="https://b.example/2"></p>',
    ),
    (
        '<img src="cid:logo@x" width="10">',
        '<img src="/api/v1/messages/m1/attachments/3" width="10">',
        0,
        '<img src="/api/v1/messages/m1/attachments/3" width="10">',
    ),
    (
        '<img src="CID:%3Clogo%40X%3E">',  # percent-encoded (RFC 2392), case-folded
        '<img src="/api/v1/messages/m1/attachments/3">',
        0,
        '<img src="/api/v1/messages/m1/attachments/3">',
    ),
    ('<img src="cid:unknown@x">', "<img>", 0, "<img>"),
    (f'<img src="{PNG_DATA}">', f'<img src="{PNG_DATA}">', 0, f'<img src="{PNG_DATA}">'),
    (f'<img src="{BIG_PNG}">', "<img>", 0, "<img>"),
    (f'<img src="{SVG_DATA}">', "<img>", 0, "<img>"),
    ('<img src="data:image/png,rawbytes">', "<img>", 0, "<img>"),
    ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>", 0, "<img>"),
    ('<img src="javascript:alert(1)">', "<img>", 0, "<img>"),
    ('<img src="/local/path.png">', "<img>", 0, "<img>"),
    ('<img src="\\\\t.example/p.gif">', "<img>", 0, "<img>"),
    ('<img src="file:///etc/passwd">', "<img>", 0, "<img>"),
    ('<img src="https://t.example/x" onerror="alert(1)">', "<img>", 1, (
        '<img src="https://t.example/x">'
    )),
    ('<img srcset="https://t.example/x 2x">', "<img>", 0, "<img>"),
    (
        '<p style="background:url(https://t.example/b.png)">t</p>',
        "<p>t</p>",
        0,
        "<p>t</p>",
    ),
    ('<table background="https://t.example/b.png"><tr><td>c</td></tr></table>', (
        "<table><tbody><tr><td>c</td></tr></tbody></table>"
    ), 0, "<table><tbody><tr><td>c</td></tr></tbody></table>"),
    ('<script>new Image().src="https://t.example/x"</script><img src="https://t.example/y">',
     "<img>", 1, '<img src="https://t.example/y">'),
    ('<video poster="https://t.example/p.png"></video>ok', "ok", 0, "ok"),
]  # fmt: skip


@pytest.mark.parametrize(("html", "filtered", "blocked", "with_images"), IMAGES)
def test_images(html: str, filtered: str, blocked: int, with_images: str) -> None:
    assert show(DisplayMode.FILTERED, html=html) == Rendered(
        kind="html", body=filtered, blocked_remote_images=blocked
    )
    assert show(DisplayMode.FILTERED_IMAGES, html=html) == Rendered(
        kind="html", body=with_images, blocked_remote_images=0
    )


# Without images, `filtered` must be exactly `sanitise_html`.
SANITISER_CASES = [
    "a<script>alert(1)</script>b",
    '<p onclick="x()" onmouseover="y()">t</p>',
    '<form action="https://p.example"><input name="pw"><textarea>t</textarea>'
    "<button>Go</button></form>after",
    "<style>@import url(http://t.example/x.css);</style>t",
    '<link rel="stylesheet" href="http://t.example/x.css">t',
    '<p style="color: red; position:fixed; font-weight: bold">t</p>',
    '<p style="background:u\\72l(http://t.example)">t</p>',
    '<a href="https://example.org/" target="_self" rel="opener">x</a>',
    '<a href="mailto:bob@example.net">b</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="/account">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="cid:logo@x">x</a>',
    '<iframe src="https://t.example/"></iframe><object data="x.swf"></object>ok',
    '<svg onload="alert(1)"><circle r="1"/></svg><math><mi>x</mi></math>ok',
    '<meta http-equiv="refresh" content="0;url=https://t.example"><title>t</title>ok',
    "<!-- comment --><font color=red face=Arial>f</font>",
    '<table width="600" cellpadding="0"><tr><td bgcolor="#fff" valign="top">c</td></tr></table>',
    "<p>caf\u00e9 &amp; &lt;b&gt;</p>",
    '<base href="https://t.example/"><a href="x">x</a>',
    "<div><p>unclosed <b>bold",
]


class _Markup(HTMLParser):
    """Markup as tokens, attributes in name order (their order carries no meaning)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[object] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append((tag, sorted(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(f"/{tag}")

    def handle_data(self, data: str) -> None:
        self.tokens.append(data)


def tokens(markup: str) -> list[object]:
    parser = _Markup()
    parser.feed(markup)
    parser.close()
    return parser.tokens


@pytest.mark.parametrize("html", SANITISER_CASES)
def test_filtered_is_the_sanitiser(html: str) -> None:
    for mode in (DisplayMode.FILTERED, DisplayMode.FILTERED_IMAGES):
        rendered = show(mode, html=html)
        assert tokens(rendered.body) == tokens(sanitise_html(html))
        assert rendered.blocked_remote_images == 0


def test_links_in_html_keep_target_and_rel() -> None:
    body = show(DisplayMode.FILTERED, html='<a href="https://e.org/">x</a>').body
    assert body == f'<a href="https://e.org/" {HTML_LINK}>x</a>'


def test_original_is_untouched() -> None:
    html = '<img src="https://t.example/p.gif"><script>alert(1)</script>'
    assert show(DisplayMode.ORIGINAL, html=html) == Rendered(kind="html", body=html)


def test_original_headers() -> None:
    headers = original_headers()
    assert headers == {
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src * data: cid:; "
        "style-src 'unsafe-inline'; font-src *; frame-ancestors 'self'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    csp = headers["Content-Security-Policy"]
    assert "script-src" not in csp and "allow-scripts" not in csp
    headers["X-Content-Type-Options"] = "changed"
    assert original_headers()["X-Content-Type-Options"] == "nosniff"  # a fresh dict each time


# --- Text as HTML -------------------------------------------------------------------------


def a(url: str, href: str | None = None) -> str:
    return f'<a href="{href or url}" {LINK}>{url}</a>'


# (text line, rendered)
LINKS = [
    ("https://example.org", a("https://example.org")),
    ("see https://example.org.", f"see {a('https://example.org')}."),
    ("https://example.org/a?b=1&c=2, then", f"{a('https://example.org/a?b=1&amp;c=2')}, then"),
    ("(https://example.org/x)", f"({a('https://example.org/x')})"),
    (
        "https://en.wikipedia.org/wiki/Mail_(disambiguation))",
        f"{a('https://en.wikipedia.org/wiki/Mail_(disambiguation)')})",
    ),
    ("[https://example.org/x]", f"[{a('https://example.org/x')}]"),
    ("https://example.org/x!?;:", f"{a('https://example.org/x')}!?;:"),
    ("'https://example.org/x'", f"&#x27;{a('https://example.org/x')}&#x27;"),
    ('"https://example.org/x"', f"&quot;{a('https://example.org/x')}&quot;"),
    ("<https://example.org/x>", f"&lt;{a('https://example.org/x')}&gt;"),
    ("*https://example.org/x*", f"*{a('https://example.org/x')}*"),
    ("HTTP://EXAMPLE.ORG/", a("HTTP://EXAMPLE.ORG/")),
    ("www.example.org/path.", f"{a('www.example.org/path', 'http://www.example.org/path')}."),
    ("mailto:bob@example.net.", f"{a('mailto:bob@example.net')}."),
    ("<mailto:bob@example.net>", f"&lt;{a('mailto:bob@example.net')}&gt;"),
    ("URL:https://example.org", f"URL:{a('https://example.org')}"),
    ("two https://a.example b https://b.example", f"two {a('https://a.example')} b "
     f"{a('https://b.example')}"),
    ("https://", "https://"),
    ("https://.", "https://."),
    ("www.", "www."),
    ("mailto:", "mailto:"),
    ("xhttps://example.org", "xhttps://example.org"),
    ("awww.example.org", "awww.example.org"),
    ("bob@www.example.org", "bob@www.example.org"),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("ftp://example.org", "ftp://example.org"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), LINKS)
def test_links(text: str, expected: str) -> None:
    assert inner(text) == expected


XSS = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('"><img src=x onerror=alert(1)>', "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
    ("&lt;b&gt; &amp;", "&amp;lt;b&amp;gt; &amp;amp;"),
    (
        'https://example.org/"onmouseover="alert(1)',
        f"{a('https://example.org/')}&quot;onmouseover=&quot;alert(1)",
    ),
    (
        "https://example.org/'onmouseover='alert(1)",
        a("https://example.org/&#x27;onmouseover=&#x27;alert(1)"),
    ),
    ("https://example.org/<script>", f"{a('https://example.org/')}&lt;script&gt;"),
    ("nul\x00 and esc\x1b[31m", "nul and esc[31m"),
]


@pytest.mark.parametrize(("text", "expected"), XSS)
def test_text_is_escaped(text: str, expected: str) -> None:
    assert inner(text) == expected


def opening(depth: int) -> str:
    return f'<blockquote class="quote" data-depth="{depth}">'


def quote(depth: int, body: str) -> str:
    return f"{opening(depth)}{body}</blockquote>"


# (text, rendered)
TEXTS = [
    ("", ""),
    ("one line", "one line"),
    ("one\ntwo\r\nthree\rfour", "one<br>two<br>three<br>four"),
    ("para\n\npara", "para<br><br>para"),
    ("\n\nleading and trailing blank lines\n\n\n", "leading and trailing blank lines"),
    ("  indented  twice", "&nbsp; indented&nbsp; twice"),
    (" x", "&nbsp;x"),
    ("a\tb", "a&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; b"),
    ("> quoted", quote(1, "quoted")),
    ("> one\n> two", quote(1, "one<br>two")),
    ("me\n> you\nme again", f"me{quote(1, 'you')}me again"),
    ("me\n\n> you\n\nme again", f"me{quote(1, 'you')}me again"),  # the quote's margins
    ("me\n\n\n> you", f"me<br>{quote(1, 'you')}"),
    (
        "> a\n>> b\n> > c\n>>> d\n> e",
        quote(1, "a" + quote(2, "b<br>c" + quote(3, "d")) + "e"),
    ),
    (">>> deep first\nplain", quote(1, quote(2, quote(3, "deep first"))) + "plain"),
    (">\n> after empty", quote(1, "<br>after empty")),
    (">no space", quote(1, "no space")),
    ("> <b>", quote(1, "&lt;b&gt;")),
    (
        ">" * 25 + " at most 20 deep",
        "".join(map(opening, range(1, 21))) + "at most 20 deep" + "</blockquote>" * 20,
    ),
    ("not > a quote", "not &gt; a quote"),
    ("> see https://example.org.", quote(1, f"see {a('https://example.org')}.")),
]


@pytest.mark.parametrize(("text", "expected"), TEXTS)
def test_text_rendering(text: str, expected: str) -> None:
    assert inner(text) == expected


# (format=flowed text, DelSp=yes, rendered) — RFC 3676
FLOWED = [
    ("soft \nbreak", False, "soft break"),
    ("hard\nbreak", False, "hard<br>break"),
    ("one \ntwo \nthree\nfour", False, "one two three<br>four"),
    ("DelSp \nremoves the space", True, "DelSpremoves the space"),
    ("ends soft \n", False, "ends soft "),
    (" From space-stuffed\n  two spaces", False, "From space-stuffed<br>&nbsp;two spaces"),
    ("> quoted soft \n> continues", False, quote(1, "quoted soft continues")),
    ("> depth change \n>> ends the paragraph", False, quote(1, "depth change " + quote(2, (
        "ends the paragraph")))),
    ("soft \n> then quote", False, f"soft {quote(1, 'then quote')}"),
    ("> > not depth two", False, quote(1, "&gt; not depth two")),
    ("-- \nsignature", False, "-- <br>signature"),
    ("text \n-- \nsig", False, "text -- <br>sig"),
    ("https://example.org/very/ \nlong", False, f"{a('https://example.org/very/')} long"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "delsp", "expected"), FLOWED)
def test_flowed(text: str, delsp: bool, expected: str) -> None:
    assert inner(text, flowed=True, delsp=delsp) == expected


def test_fixed_text_keeps_trailing_spaces_as_breaks() -> None:
    assert inner("not \nflowed") == "not <br>flowed"


# --- HTML as text -------------------------------------------------------------------------

# (HTML, text)
HTML_TEXT = [
    ("", ""),
    ("plain &amp; simple &lt;ok&gt; caf&eacute; &#233; &#x263a;", "plain & simple <ok> café é ☺"),
    ("<p>one</p><p>two</p>", "one\n\ntwo"),
    ("<div>one</div><div>two</div>", "one\ntwo"),
    ("line<br>break<br/><br>blank", "line\nbreak\n\nblank"),
    ("  lots \n of\t  space  ", "lots of space"),
    ("a&nbsp;&nbsp;&nbsp;b", "a   b"),
    ("<h1>Title</h1>text", "Title\n\ntext"),
    ('<a href="https://example.org/x">Click here</a>', "Click here <https://example.org/x>"),
    ('<a href="https://example.org/">https://example.org</a>', "https://example.org"),
    ('<a href="mailto:bob@example.net">bob@example.net</a>', "bob@example.net"),
    ('<a href="mailto:bob@example.net">Bob</a>', "Bob <mailto:bob@example.net>"),
    ('<a href="https://example.org/"><img src="x.png"></a>', "<https://example.org/>"),
    ('<a href="https://e.org/"><img alt="Logo"></a>', "Logo <https://e.org/>"),
    ('<a href="javascript:alert(1)">x</a>', "x"),
    ('<a href="/relative">x</a>', "x"),
    ("<ul><li>one</li><li>two</li></ul>after", "- one\n- two\n\nafter"),
    ("<ol><li>one<li>two</ol>", "1. one\n2. two"),
    ("<ul><li>a<ul><li>b</li></ul></li></ul>", "- a\n  - b"),
    ("<blockquote>quoted<blockquote>deeper</blockquote></blockquote>me", (
        "> quoted\n>\n>> deeper\n\nme"
    )),
    ("<p>a</p><blockquote><p>q</p></blockquote><p>b</p>", "a\n\n> q\n\nb"),
    ("<pre>  keep\n    this</pre>", "  keep\n    this"),
    ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
    ("<script>alert(1)</script><style>p{}</style>shown", "shown"),
    ("<head><title>T</title><style>x</style></head><body>body</body>", "body"),
    ("<head><title>T</title><p>no body tag, no closing head", "no body tag, no closing head"),
    ("<head><meta charset=utf-8>text after an open head", "text after an open head"),
    ("before<embed src=x>after", "beforeafter"),
    ("<form><textarea>secret</textarea><button>Go</button></form>ok", "ok"),
    ("<!-- comment -->visible<!DOCTYPE html>", "visible"),
    ("<p>&lt;script&gt;</p>", "<script>"),
    ("<b>bold</b> <i>italic</i>", "bold italic"),
    ("<span>a</span><span>b</span>", "ab"),
    ("<p>unclosed<p>paragraphs", "unclosed\n\nparagraphs"),
]  # fmt: skip


@pytest.mark.parametrize(("html", "text"), HTML_TEXT)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_only_in_text_mode_is_escaped_and_linked() -> None:
    html = (
        '<p>Hi &lt;script&gt;</p><a href="https://example.org/">site</a>'
        "<blockquote>earlier</blockquote>"
    )
    assert show(DisplayMode.TEXT, html=html).body == (
        '<div class="text">Hi &lt;script&gt;<br><br>site &lt;'
        f"{a('https://example.org/')}&gt;{quote(1, 'earlier')}</div>"
    )


# --- Properties and robustness ----------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_text_rendering_only_ever_makes_its_own_markup() -> None:
    rng = random.Random(3)
    pieces = ["https://", "www.", "mailto:", "javascript:", "<script>", "onerror=", "\x00"]
    alphabet = [*"<>&\"' :/.()[]\n\t>=ahtpswmilo@x", *pieces]
    allowed = {"div", "br", "blockquote", "a"}
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 80)))
        for flowed in (False, True):
            parser = _Tags()
            parser.feed(render_text(text, flowed=flowed))
            for tag, attrs in parser.found:
                assert tag in allowed, (text, tag)
                if tag == "a":
                    assert (
                        (attrs["href"] or "").lower().startswith(("https://", "http://", "mailto:"))
                    ), text
                    assert set(attrs) == {"href", "rel", "target"}


# Hostile shapes of mail text and HTML, as builders of an input of size n: rendering one
# four times larger costs about four times as much (linear), never sixteen (`growth`).
TEXTS: dict[str, Callable[[int], str]] = {
    "closing parens": lambda n: "https://x.example/" + ")" * n,
    "dots": lambda n: "https://x.example/" + "." * n,
    "deep quote": lambda n: "> " * (n // 2) + "deep",
    "blank lines": lambda n: "\n" * n + "blank lines" + "\n" * n,
    "long text": lambda n: ("word " * 20 + "\n") * (n // 10),
}
HTMLS: dict[str, Callable[[int], str]] = {
    "unclosed links": lambda n: '<a href="https://x.example/">' * (n // 10) + "text " * (n // 10),
    "unclosed svg": lambda n: "<svg>" * (n // 10) + "</p>" * (n // 10),
    "deep blockquotes": lambda n: "<blockquote>" * (n // 12) + "deep",
    "deep divs": lambda n: "<div>" * (n // 5) + "deep",
    "deep lists": lambda n: "<ul>" * (n // 4) + "deep",
    "many paragraphs": lambda n: "<p>para</p>" * (n // 4),
}


@pytest.mark.parametrize("shape", list(TEXTS))
def test_large_text_costs_what_it_holds(shape: str) -> None:
    def work(n: int) -> Callable[[], object]:
        text = TEXTS[shape](n)
        return lambda: (render_text(text), render_text(text, flowed=True))

    assert growth(work, 50_000) < LINEAR_BOUND


@pytest.mark.parametrize("shape", list(HTMLS))
def test_large_html_costs_what_it_holds(shape: str) -> None:
    def work(n: int) -> Callable[[], object]:
        html = HTMLS[shape](n)
        return lambda: (html_to_text(html), show(DisplayMode.FILTERED, html=html))

    assert growth(work, 50_000) < LINEAR_BOUND
