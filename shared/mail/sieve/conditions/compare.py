"""What the comparing tests (`address`, `header`, `envelope`, `body`; RFC 5228 §2.7) share:
their tagged arguments, match types, comparators and address parts, in both directions.
Not a construct of its own: the modules of those tests use it."""

from __future__ import annotations

import re

from pydantic import ValidationError

from shared.filters import Condition, FieldName, Operator
from shared.mail.sieve.conditions.tree import Group, Tree
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.notes import Note, Unsupported
from shared.mail.sieve.parser import Argument, StringList, Tag, Test
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import escape_wildcards

MATCH_TYPES = {
    "is": Operator.IS,
    "contains": Operator.CONTAINS,
    "matches": Operator.MATCHES,
    "regex": Operator.REGEX,
}
_TAGS_WITH_VALUE = frozenset({"comparator", "count", "value"})
_CASELESS = frozenset({"i;ascii-casemap", "i;unicode-casemap"})
_LITERAL_PREFIX = re.compile(r"^(?:[^\\*?]|\\.)+\*$", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)

Tags = dict[str, Argument | None]
Target = tuple[FieldName, str | None]  # a condition's field, and header for `header`


# -- reading


def split(test: Test) -> tuple[Tags, list[Argument]]:
    """The tagged arguments (with the value of those that take one) and the positional."""
    tags: Tags = {}
    positional: list[Argument] = []
    arguments = iter(test.arguments)
    for argument in arguments:
        if isinstance(argument, Tag):
            if argument.name in tags:
                raise SieveSyntaxError(argument.line, f":{argument.name} given twice")
            value = next(arguments, None) if argument.name in _TAGS_WITH_VALUE else None
            if argument.name in _TAGS_WITH_VALUE and not isinstance(value, StringList):
                raise SieveSyntaxError(argument.line, f":{argument.name} needs a string")
            tags[argument.name] = value
        else:
            positional.append(argument)
    return tags, positional


def strings(test: Test, positional: list[Argument], count: int) -> list[list[str]]:
    if len(positional) != count or not all(isinstance(a, StringList) for a in positional):
        raise SieveSyntaxError(test.line, f"{test.name} takes {count} string list(s)")
    return [a.values for a in positional if isinstance(a, StringList)]


def no_tags(test: Test, tags: Tags) -> None:
    if tags:
        raise Unsupported(test.line, f":{next(iter(tags))} not supported in {test.name}")


def match_type(test: Test, tags: Tags, note: Note) -> str:
    """The test's match type, taken out of `tags` with its comparator."""
    for relational in ("count", "value"):
        if relational in tags:
            raise Unsupported(test.line, f"relational test ({test.name} :{relational})")
    comparator = tags.pop("comparator", None)
    if isinstance(comparator, StringList) and comparator.values[0].lower() not in _CASELESS:
        note(test.line, f"comparator {comparator.values[0]!r} read as case-insensitive")
    matches = [t for t in tags if t in MATCH_TYPES]
    if len(matches) > 1:
        raise SieveSyntaxError(test.line, "more than one match type")
    for t in matches:
        tags.pop(t)
    return matches[0] if matches else "is"


def address_part(test: Test, tags: Tags) -> str:
    """`all`, `localpart` or `domain` (RFC 5228 §2.7.4), taken out of `tags`."""
    parts = [t for t in ("all", "localpart", "domain") if t in tags]
    if len(parts) > 1:
        raise SieveSyntaxError(test.line, "more than one address part")
    for t in parts:
        tags.pop(t)
    return parts[0] if parts else "all"


def operator(match: str, value: str) -> tuple[Operator, str]:
    """Bureau's operator and value for a Sieve match type and key."""
    if match == "matches" and _LITERAL_PREFIX.match(value):
        return Operator.STARTS_WITH, _UNESCAPE.sub(r"\1", value[:-1])
    return MATCH_TYPES[match], value


def condition(line: int, **fields: object) -> Condition:
    try:
        return Condition.model_validate(fields)
    except ValidationError as error:
        message = error.errors()[0]["msg"]
        raise Unsupported(line, f"condition not accepted: {message}") from None


def header_targets(names: list[str]) -> list[Target]:
    """The conditions' fields for the header names of an `address` or `header` test."""
    lower = [n.lower() for n in names]
    if sorted(lower) == ["cc", "to"]:
        return [(FieldName.TO_CC, None)]
    named = {"from": FieldName.FROM, "subject": FieldName.SUBJECT, "list-id": FieldName.LIST}
    return [
        (named[low], None) if low in named else (FieldName.HEADER, name)
        for name, low in zip(names, lower, strict=True)
    ]


def _part_value(line: int, part: str, match: str, key: str) -> tuple[Operator, str]:
    if part == "all":
        return operator(match, key)
    if match == "regex":
        raise Unsupported(line, f":{part} with :regex not supported")
    literal = escape_wildcards(key)
    pattern = {
        "is": literal,
        "contains": f"*{literal}*",
        "matches": key,
    }[match]
    whole = f"*@{pattern}" if part == "domain" else f"{pattern}@*"
    return Operator.MATCHES, whole


def leaves(line: int, part: str, match: str, keys: list[str], targets: list[Target]) -> Tree:
    """Any of the keys on any of the targets (an address part becomes a :matches pattern
    on the whole address)."""
    found: list[Tree] = []
    for key in keys:
        op, value = _part_value(line, part, match, key)
        for field_name, header in targets:
            found.append(condition(line, field=field_name, operator=op, value=value, header=header))
    return Group("any", found)


# -- writing


def write_match(c: Condition, context: WriteContext) -> tuple[str, str]:
    """The match type tag and key for a condition's text operator."""
    assert c.operator is not None  # the model requires one for a text field
    if c.operator is Operator.STARTS_WITH:
        return ":matches", escape_wildcards(c.value) + "*"
    if c.operator is Operator.REGEX:
        context.extensions.add("regex")
    return f":{c.operator.value}", c.value
