"""Tokens of a Sieve script (RFC 5228 §2): identifiers, tags, numbers, quoted and
multi-line strings, punctuation and comments.

Hash comments are kept as tokens (the parser keeps them in command lists, where the
importer reads Bureau's `# rule:` / `# bureau:` annotations); bracket comments are dropped.
Line endings may be CRLF or LF; strings come out with LF line endings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SieveSyntaxError(ValueError):
    """A script that is not valid Sieve; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class Kind(StrEnum):
    IDENT = "identifier"
    TAG = "tag"
    NUMBER = "number"
    STRING = "string"
    COMMENT = "comment"
    PUNCT = "punctuation"
    END = "end of script"


@dataclass(frozen=True)
class Token:
    kind: Kind
    value: str  # for NUMBER the digits with the quantifier applied
    line: int


_PUNCT = frozenset("[](){},;")
_QUANTIFIERS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def _ident_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _ident_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(script: str) -> list[Token]:
    """The tokens of `script`, ending with an END token. Raises SieveSyntaxError."""
    text = script.replace("\r\n", "\n")
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            tokens.append(Token(Kind.COMMENT, text[i + 1 : end].strip(), line))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise SieveSyntaxError(line, "unterminated /* comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif ch in _PUNCT:
            tokens.append(Token(Kind.PUNCT, ch, line))
            i += 1
        elif ch == '"':
            start_line = line
            i += 1
            out: list[str] = []
            while True:
                if i >= n:
                    raise SieveSyntaxError(start_line, "unterminated string")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= n:
                        raise SieveSyntaxError(start_line, "unterminated string")
                    c = text[i + 1]  # \" and \\ are the escapes; other \x read as x
                    i += 1
                if c == "\n":
                    line += 1
                out.append(c)
                i += 1
            tokens.append(Token(Kind.STRING, "".join(out), start_line))
        elif ch.isdigit():
            j = i
            while j < n and text[j].isdigit():
                j += 1
            value = int(text[i:j])
            if j < n and text[j].lower() in _QUANTIFIERS:
                value *= _QUANTIFIERS[text[j].lower()]
                j += 1
            if j < n and _ident_char(text[j]):
                raise SieveSyntaxError(line, f"bad number {text[i : j + 1]!r}")
            tokens.append(Token(Kind.NUMBER, str(value), line))
            i = j
        elif ch == ":":
            j = i + 1
            if j >= n or not _ident_start(text[j]):
                raise SieveSyntaxError(line, "':' must start a tag such as :contains")
            while j < n and _ident_char(text[j]):
                j += 1
            tokens.append(Token(Kind.TAG, text[i + 1 : j].lower(), line))
            i = j
        elif _ident_start(ch):
            j = i
            while j < n and _ident_char(text[j]):
                j += 1
            word = text[i:j]
            if word.lower() == "text" and j < n and text[j] == ":":
                i, line = _multiline(text, j + 1, line, tokens)
            else:
                tokens.append(Token(Kind.IDENT, word.lower(), line))
                i = j
        else:
            raise SieveSyntaxError(line, f"unexpected character {ch!r}")
    tokens.append(Token(Kind.END, "", line))
    return tokens


def _multiline(text: str, i: int, line: int, tokens: list[Token]) -> tuple[int, int]:
    """Read a `text:` string starting just after the colon; returns (position, line)."""
    start_line = line
    eol = text.find("\n", i)
    if eol < 0:
        raise SieveSyntaxError(line, "text: must be followed by a new line")
    rest = text[i:eol].strip(" \t\r")
    if rest and not rest.startswith("#"):
        raise SieveSyntaxError(line, "only a comment may follow text: on its line")
    i, line = eol + 1, line + 1
    lines: list[str] = []
    while True:
        if i >= len(text):
            raise SieveSyntaxError(start_line, "unterminated text: string (no '.' line)")
        eol = text.find("\n", i)
        eol = len(text) if eol < 0 else eol
        current = text[i:eol].rstrip("\r")
        i, line = eol + 1, line + 1
        if current == ".":
            break
        lines.append(current[1:] if current.startswith("..") else current)
    value = "".join(part + "\n" for part in lines)
    tokens.append(Token(Kind.STRING, value, start_line))
    return i, line - 1 if i > len(text) else line
