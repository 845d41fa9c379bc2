"""The text operators of filter conditions, shared by every rule that compares text.

All comparisons are case-insensitive on decoded text. `matches` follows Sieve's `:matches`
(RFC 5228 §2.7.1): `*` any run, `?` one character, `\\` escapes either, the whole value.
`regex` is Python `re`, searched; a pattern that does not compile never raises while
filtering, it simply matches nothing (`validate` lets the API refuse it up front).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from shared.filters import Condition, Operator
from shared.model import Address

_FLAGS = re.IGNORECASE | re.DOTALL


def holds(condition: Condition, values: Iterable[str]) -> bool:
    """Whether the condition's text operator holds for any one of `values` (negation is
    applied by the caller, once, on the result); `exists` holds when there is a value."""
    values = list(values)
    if condition.operator is Operator.EXISTS:
        return bool(values)
    return any(matches_value(condition.operator, condition.value, value) for value in values)


def matches_value(operator: Operator | None, pattern: str, value: str) -> bool:
    """One value against one pattern."""
    if operator is Operator.CONTAINS:
        return pattern.casefold() in value.casefold()
    if operator is Operator.IS:
        return value.casefold() == pattern.casefold()
    if operator is Operator.STARTS_WITH:
        return value.casefold().startswith(pattern.casefold())
    if operator is Operator.MATCHES:
        return _wildcard(pattern).fullmatch(value) is not None
    if operator is Operator.REGEX:
        compiled = _regex(pattern)
        return compiled is not None and compiled.search(value) is not None
    return False  # exists, over, under: not text operators


def validate(condition: Condition) -> str | None:
    """Why the condition could never work as meant (a regex that does not compile), or None."""
    if condition.operator is Operator.REGEX:
        try:
            re.compile(condition.value, _FLAGS)
        except (re.error, OverflowError, RecursionError) as exc:
            return f"invalid regular expression: {exc}"
    return None


def address_forms(addresses: Iterable[Address]) -> list[str]:
    """Each address as its display form "Name <addr>" and as the bare address."""
    forms: list[str] = []
    for address in addresses:
        forms.append(address.display())
        if address.address and address.address != forms[-1]:
            forms.append(address.address)
    return forms


def holds_for_addresses(condition: Condition, addresses: Iterable[Address]) -> bool:
    """A condition on an address field holds when it holds for any one address."""
    return holds(condition, address_forms(addresses))


@lru_cache(maxsize=512)
def _wildcard(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            ch = next(chars, "\\")
            parts.append(re.escape(ch))
        elif ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), _FLAGS)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, _FLAGS)
    except (re.error, OverflowError, RecursionError):
        return None
