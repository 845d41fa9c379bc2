"""How Sieve writes strings (RFC 5228 §2.4.2, §2.7.1), for every construct's export."""

from __future__ import annotations


def quote(value: str) -> str:
    """A Sieve quoted string (only `"` and `\\` need escaping; new lines are allowed)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def string_list(values: list[str]) -> str:
    if len(values) == 1:
        return quote(values[0])
    return "[" + ", ".join(quote(v) for v in values) + "]"


def escape_wildcards(value: str) -> str:
    """`value` as a literal inside a :matches pattern."""
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
