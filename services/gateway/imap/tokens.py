"""The arguments of an IMAP command once read off the wire (RFC 3501 §4, §9).

The command reader (`parser.py`) turns a command's arguments into tokens; the modules
that understand a command's grammar (`fetch.py`, `search.py`, `seqset.py`…) interpret
them. A token is:

- `Atom`: an atom as written, case kept — a command keyword, a flag (`\\Seen`), a
  sequence set (`1:*`), a number, `NIL`, and fetch attributes with their section and
  partial, spaces and parentheses inside `[...]` included (`BODY.PEEK[HEADER.FIELDS
  (FROM TO)]<0.100>` is one atom);
- `bytes`: a quoted string or a literal, decoded (quotes and escapes removed);
- `list`: a parenthesised list of tokens.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Atom:
    value: str

    def upper(self) -> str:
        return self.value.upper()


Token = Atom | bytes | list["Token"]


class ImapSyntaxError(ValueError):
    """A command that does not follow the grammar: answered BAD with this message."""


def text_of(token: Token) -> str:
    """An astring argument (atom or string) as text; a list is a syntax error."""
    if isinstance(token, Atom):
        return token.value
    if isinstance(token, bytes):
        return token.decode("utf-8", "surrogateescape")
    raise ImapSyntaxError("expected an atom or a string, not a list")
