"""The search box language (FEATURES F30), parsed into the tree of `shared.mail.query.ast`.

    budget meeting          both words (AND is implicit; `AND` may be written)
    budget OR forecast      either; AND binds tighter: `a b OR c` is (a b) OR c
    "exact phrase"          the words in this order
    info*                   words starting with "info" (MIN_PREFIX characters at least)
    -word -"a phrase" -from:bob -(a OR b)     excluded
    (a OR b) c              grouping; groups and exclusions nest MAX_DEPTH (12) deep
    from: to: cc: subject: body: attachment:  a word, prefix or "phrase" in that field
    tag:urgent  folder:"Work/Clients"  is:unread|read|flagged|unflagged  has:attachment
    before:2026-01-31  after:2026/01/01  larger:2M  smaller:100K

Keywords and field names are case-insensitive, except the operators: only upper-case `OR`
and `AND` are operators ("or" is a word). Punctuation outside words is ignored, and
control characters (NUL included) separate terms like spaces. A term
`name:value` whose name is not a field is an error, unless it cannot be one: "10:30",
"https://x" and "Re:" (nothing after the colon) are text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from shared.mail.query.ast import MAX_DEPTH, Node, Or
from shared.mail.query.combine import all_of, any_of, is_searchable, negate, too_deep
from shared.mail.query.errors import QuerySyntaxError
from shared.mail.query.terms import FIELDS, field_term, phrase_term, text_term

__all__ = ["QuerySyntaxError", "parse"]

_FIELD_NAME = re.compile(r"([A-Za-z]+):")
_STOP = frozenset('()"')
_TOO_DEEP = f"groups and exclusions nest at most {MAX_DEPTH} deep"


def is_separator(ch: str) -> bool:
    """Spaces, and control characters: no word holds them (and no index may see them)."""
    return ch.isspace() or unicodedata.category(ch) == "Cc"


Kind = Literal["(", ")", "-", "OR", "AND", "term"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Kind
    pos: int
    node: Node | None = None


def parse(text: str) -> Node:
    """The tree for `text`; raises QuerySyntaxError (with the position) when it has none."""
    tokens = _Lexer(text).tokens()
    if not tokens:
        raise QuerySyntaxError("empty query", 0)
    return _Parser(tokens).query()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[_Token] = []

    def tokens(self) -> list[_Token]:
        text, i = self.text, 0
        while i < len(text):
            ch = text[i]
            if is_separator(ch):
                i += 1
            elif ch in "()":
                self.out.append(_Token("(" if ch == "(" else ")", i))
                i += 1
            elif ch == '"':
                body, i_next = self._quoted(i)
                self._emit(0, i, phrase_term(body))
                i = i_next
            else:
                i = self._bare(i)
        return self.out

    def _quoted(self, start: int) -> tuple[str, int]:
        """The text between the quote at `start` and the next one; the index after it."""
        end = self.text.find('"', start + 1)
        if end < 0:
            raise QuerySyntaxError("unclosed quote", start)
        return self.text[start + 1 : end], end + 1

    def _emit(self, dashes: int, pos: int, node: Node | None) -> None:
        """A term after `dashes` exclusion marks; nothing at all when it is punctuation."""
        if node is not None:
            self.out.extend(_Token("-", pos - dashes + k) for k in range(dashes))
            self.out.append(_Token("term", pos, node))

    def _bare(self, start: int) -> int:
        text, end = self.text, start
        while end < len(text) and not is_separator(text[end]) and text[end] not in _STOP:
            end += 1
        raw = text[start:end]
        term = raw.lstrip("-")
        dashes, pos = len(raw) - len(term), start + len(raw) - len(term)
        quote_follows = end < len(text) and text[end] == '"'
        if term in ("OR", "AND") and not dashes:
            self.out.append(_Token("OR" if term == "OR" else "AND", start))
        elif not term and end < len(text) and text[end] == "(":
            self.out.extend(_Token("-", start + k) for k in range(dashes))
        elif not term and quote_follows:
            body, end = self._quoted(end)
            self._emit(dashes, pos, phrase_term(body))
        elif (m := _FIELD_NAME.match(term)) and _is_field(m[1], term[m.end() :], quote_follows):
            name, value_pos = m[1].lower(), pos + m.end()
            if name not in FIELDS:
                raise QuerySyntaxError(f"unknown field '{m[1]}:'", pos)
            if m.end() == len(term) and quote_follows:
                body, value_end = self._quoted(end)
                self._emit(dashes, pos, field_term(name, body, end, quoted=True))
                end = value_end
            else:
                self._emit(dashes, pos, field_term(name, term[m.end() :], value_pos, quoted=False))
        else:
            self._emit(dashes, pos, text_term(term, pos))
        return end


def _is_field(name: str, value: str, quote_follows: bool) -> bool:
    """Whether `name:value` is meant as a field term: always for a known field; for an
    unknown name only when a value follows that is not a URL's "//"."""
    if name.lower() in FIELDS:
        return True
    return quote_follows if not value else not value.startswith("/")


class _Parser:
    """Recursive descent: query = or; or = and ("OR" and)*; and = unary ("AND"? unary)*;
    unary = "-" unary | "(" or ")" | term."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        # Where each node of the tree starts, to point at an exclusion-only part.
        self.starts: dict[int, int] = {}
        self.alive: list[Node] = []  # keeps ids in `starts` from being reused
        self.nesting = 0  # the groups and exclusions open around the current token

    def query(self) -> Node:
        node = self._or()
        if (tok := self._peek()) is not None:
            # Only a ")" can stop the top-level OR early.
            raise QuerySyntaxError("unbalanced parenthesis", tok.pos)
        if (deep := too_deep(node)) is not None:
            raise QuerySyntaxError(_TOO_DEEP, self.starts.get(id(deep), 0))
        self._check_searchable(node)
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _at(self, node: Node, pos: int) -> Node:
        self.starts.setdefault(id(node), pos)
        self.alive.append(node)
        return node

    def _or(self) -> Node:
        start = self._peek()
        items = [self._and()]
        while (tok := self._peek()) is not None and tok.kind == "OR":
            self._take()
            self._need_term_after(tok)
            items.append(self._and())
        assert start is not None
        return self._at(any_of(items), start.pos)

    def _and(self) -> Node:
        start = self._peek()
        items = [self._unary()]
        while (tok := self._peek()) is not None and tok.kind not in (")", "OR"):
            if tok.kind == "AND":
                self._take()
                self._need_term_after(tok)
            items.append(self._unary())
        assert start is not None
        return self._at(all_of(items), start.pos)

    def _need_term_after(self, op: _Token) -> None:
        nxt = self._peek()
        if nxt is None or nxt.kind in (")", "OR", "AND"):
            raise QuerySyntaxError(f"{op.kind} needs a term on each side", op.pos)

    def _unary(self) -> Node:
        tok = self._take()
        if tok.kind in ("-", "("):
            # Each level is a few frames of this recursive descent: stop well before the
            # interpreter's recursion limit, with an answer that says why.
            if self.nesting == MAX_DEPTH:
                raise QuerySyntaxError(_TOO_DEEP, tok.pos)
            self.nesting += 1
            try:
                return self._nested(tok)
            finally:
                self.nesting -= 1
        match tok.kind:
            case "term":
                assert tok.node is not None
                return self._at(tok.node, tok.pos)
            case ")":
                raise QuerySyntaxError("unbalanced parenthesis", tok.pos)
            case _:  # OR / AND with nothing before
                raise QuerySyntaxError(f"{tok.kind} needs a term on each side", tok.pos)

    def _nested(self, tok: _Token) -> Node:
        """What follows a "-" or a "(" (`tok`)."""
        match tok.kind:
            case "-":
                return self._at(negate(self._unary()), tok.pos)
            case _:
                nxt = self._peek()
                if nxt is not None and nxt.kind == ")":
                    raise QuerySyntaxError("empty parentheses", tok.pos)
                if nxt is None:
                    raise QuerySyntaxError("unbalanced parenthesis", tok.pos)
                inner = self._or()
                close = self._peek()
                if close is None or close.kind != ")":
                    raise QuerySyntaxError("unbalanced parenthesis", tok.pos)
                self._take()
                return inner

    def _check_searchable(self, node: Node) -> None:
        """A query only of exclusions has nothing to match; point at the part that is."""
        if is_searchable(node):
            return
        if isinstance(node, Or):
            for item in node.items:
                self._check_searchable(item)
        raise QuerySyntaxError(
            "nothing to match: add a term that is not excluded", self.starts.get(id(node), 0)
        )
