"""Sieve tests read as Bureau's filter conditions (RFC 5228 §5; `import_.py` says which).

A test becomes a tree of conditions under all/any groups and booleans; negation is pushed
down to the conditions (De Morgan) and the tree simplified, and `ConditionReader.conditions`
turns the tree of an `if` into one filter's match and conditions, or reports why it cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from shared.filters import Condition, FieldName, Operator
from shared.sieve.export import (
    ATTACHMENT_HEADER,
    ATTACHMENT_VALUE,
    PRIORITY_PATTERNS,
    escape_wildcards,
)
from shared.sieve.lexer import SieveSyntaxError
from shared.sieve.notes import Note, Unsupported
from shared.sieve.parser import Argument, Number, StringList, Tag, Test


@dataclass
class _Group:
    mode: str  # "all" or "any"
    items: list[_Tree]


_Tree = Condition | _Group | bool

_MATCH_TYPES = {
    "is": Operator.IS,
    "contains": Operator.CONTAINS,
    "matches": Operator.MATCHES,
    "regex": Operator.REGEX,
}
_TAGS_WITH_VALUE = frozenset({"comparator", "count", "value"})
_CASELESS = frozenset({"i;ascii-casemap", "i;unicode-casemap"})
_LITERAL_PREFIX = re.compile(r"^(?:[^\\*?]|\\.)+\*$", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _negate(tree: _Tree) -> _Tree:
    if isinstance(tree, bool):
        return not tree
    if isinstance(tree, _Group):
        return _Group("any" if tree.mode == "all" else "all", [_negate(t) for t in tree.items])
    return tree.model_copy(update={"negate": not tree.negate})


def _simplify(tree: _Tree) -> _Tree:
    if not isinstance(tree, _Group):
        return tree
    items: list[_Tree] = []
    neutral, absorbing = tree.mode == "all", tree.mode != "all"
    for item in (_simplify(t) for t in tree.items):
        if isinstance(item, bool):
            if item is absorbing:
                return absorbing
            continue  # the neutral element
        if isinstance(item, _Group) and item.mode == tree.mode:
            items.extend(item.items)
        else:
            items.append(item)
    if not items:
        return neutral
    return items[0] if len(items) == 1 else _Group(tree.mode, items)


def _operator(match: str, value: str) -> tuple[Operator, str]:
    """Bureau's operator and value for a Sieve match type and key."""
    if match == "matches" and _LITERAL_PREFIX.match(value):
        return Operator.STARTS_WITH, _UNESCAPE.sub(r"\1", value[:-1])
    return _MATCH_TYPES[match], value


class ConditionReader:
    def __init__(self, note: Note) -> None:
        self.note = note

    def tree(self, test: Test) -> _Tree:
        name = test.name
        if name in ("true", "false"):
            self._no_arguments(test)
            return name == "true"
        if name == "not":
            if len(test.tests) != 1 or test.arguments:
                raise SieveSyntaxError(test.line, "not takes exactly one test")
            return _negate(self.tree(test.tests[0]))
        if name in ("allof", "anyof"):
            if not test.tests or test.arguments:
                raise SieveSyntaxError(test.line, f"{name} takes a list of tests")
            recipient = self._recipient_pair(test)
            if recipient is not None:
                return recipient
            return _Group("all" if name == "allof" else "any", [self.tree(t) for t in test.tests])
        if test.tests:
            raise SieveSyntaxError(test.line, f"{name} takes no nested test")
        if name in ("address", "header", "envelope"):
            return self._compare(test)
        if name == "exists":
            tags, positional = self._split(test)
            names = self._strings(test, positional, 1)[0]
            self._no_tags(test, tags)
            return _Group("all", [self._exists(test, n) for n in names])
        if name == "size":
            return self._size(test)
        if name == "body":
            return self._body(test)
        if name == "currentdate":
            raise Unsupported(test.line, "currentdate is only supported around a vacation")
        raise Unsupported(test.line, f"test '{name}' not supported")

    def _no_arguments(self, test: Test) -> None:
        if test.arguments or test.tests:
            raise SieveSyntaxError(test.line, f"{test.name} takes no arguments")

    def _split(self, test: Test) -> tuple[dict[str, Argument | None], list[Argument]]:
        tags: dict[str, Argument | None] = {}
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

    def _strings(self, test: Test, positional: list[Argument], count: int) -> list[list[str]]:
        if len(positional) != count or not all(isinstance(a, StringList) for a in positional):
            raise SieveSyntaxError(test.line, f"{test.name} takes {count} string list(s)")
        return [a.values for a in positional if isinstance(a, StringList)]

    def _no_tags(self, test: Test, tags: dict[str, Argument | None]) -> None:
        if tags:
            raise Unsupported(test.line, f":{next(iter(tags))} not supported in {test.name}")

    def _match(self, test: Test, tags: dict[str, Argument | None]) -> str:
        for relational in ("count", "value"):
            if relational in tags:
                raise Unsupported(test.line, f"relational test ({test.name} :{relational})")
        comparator = tags.pop("comparator", None)
        if isinstance(comparator, StringList) and comparator.values[0].lower() not in _CASELESS:
            self.note(
                test.line,
                f"comparator {comparator.values[0]!r} read as case-insensitive",
            )
        matches = [t for t in tags if t in _MATCH_TYPES]
        if len(matches) > 1:
            raise SieveSyntaxError(test.line, "more than one match type")
        for t in matches:
            tags.pop(t)
        return matches[0] if matches else "is"

    def _condition(self, line: int, **fields: object) -> Condition:
        try:
            return Condition.model_validate(fields)
        except ValidationError as error:
            message = error.errors()[0]["msg"]
            raise Unsupported(line, f"condition not accepted: {message}") from None

    def _recipient_pair(self, test: Test) -> _Tree | None:
        """The `anyof (address ["to", "cc"] k, envelope "to" k)` that export writes."""
        if test.name != "anyof" or len(test.tests) != 2:
            return None
        address, envelope = test.tests
        if address.name != "address" or envelope.name != "envelope":
            return None
        a_tags, a_pos = self._split(address)
        e_tags, e_pos = self._split(envelope)
        if (
            a_tags != e_tags
            or len(a_pos) != 2
            or len(e_pos) != 2
            or not all(isinstance(a, StringList) for a in [*a_pos, *e_pos])
        ):
            return None
        names_a, keys_a = (a.values for a in a_pos if isinstance(a, StringList))
        names_e, keys_e = (a.values for a in e_pos if isinstance(a, StringList))
        if sorted(n.lower() for n in names_a) != ["cc", "to"] or keys_a != keys_e:
            return None
        if [n.lower() for n in names_e] != ["to"]:
            return None
        return self._compare(envelope)

    def _compare(self, test: Test) -> _Tree:
        tags, positional = self._split(test)
        names, keys = self._strings(test, positional, 2)
        match = self._match(test, tags)
        part = "all"
        if test.name != "header":
            parts = [t for t in ("all", "localpart", "domain") if t in tags]
            if len(parts) > 1:
                raise SieveSyntaxError(test.line, "more than one address part")
            for t in parts:
                tags.pop(t)
            part = parts[0] if parts else "all"
        self._no_tags(test, tags)
        lower = [n.lower() for n in names]
        line = test.line
        if test.name == "header" and match == "matches" and lower == ["x-priority"]:
            for level, patterns in PRIORITY_PATTERNS.items():
                if keys == patterns:
                    return self._condition(
                        line, field=FieldName.PRIORITY, operator=Operator.IS, value=level
                    )
        if test.name == "header" and (lower, match, [k.lower() for k in keys]) == (
            [ATTACHMENT_HEADER],
            "contains",
            [ATTACHMENT_VALUE],
        ):
            return self._condition(line, field=FieldName.HAS_ATTACHMENT)
        targets: list[tuple[FieldName, str | None]] = []
        if sorted(lower) == ["cc", "to"] and test.name != "envelope":
            targets.append((FieldName.TO_CC, None))
        else:
            for name, low in zip(names, lower, strict=True):
                if test.name == "envelope":
                    if low not in ("to", "from"):
                        raise Unsupported(line, f"envelope {name!r} not supported")
                    if low == "from":
                        self.note(line, "envelope from read as the From header")
                    targets.append((FieldName.RECIPIENT if low == "to" else FieldName.FROM, None))
                elif low == "from":
                    targets.append((FieldName.FROM, None))
                elif low == "subject":
                    targets.append((FieldName.SUBJECT, None))
                elif low == "list-id":
                    targets.append((FieldName.LIST, None))
                else:
                    targets.append((FieldName.HEADER, name))
        leaves: list[_Tree] = []
        for key in keys:
            operator, value = self._part_value(line, part, match, key)
            for field_name, header in targets:
                leaves.append(
                    self._condition(
                        line, field=field_name, operator=operator, value=value, header=header
                    )
                )
        return _Group("any", leaves)

    def _part_value(self, line: int, part: str, match: str, key: str) -> tuple[Operator, str]:
        if part == "all":
            return _operator(match, key)
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

    def _exists(self, test: Test, name: str) -> Condition:
        if name.lower() == "list-id":
            return self._condition(test.line, field=FieldName.LIST, operator=Operator.EXISTS)
        return self._condition(
            test.line, field=FieldName.HEADER, operator=Operator.EXISTS, header=name
        )

    def _size(self, test: Test) -> Condition:
        tags, positional = self._split(test)
        if len(positional) != 1 or not isinstance(positional[0], Number):
            raise SieveSyntaxError(test.line, "size takes :over or :under and a number")
        which = [t for t in ("over", "under") if t in tags]
        if len(which) != 1 or len(tags) != 1:
            raise SieveSyntaxError(test.line, "size takes exactly one of :over and :under")
        operator = Operator.OVER if which[0] == "over" else Operator.UNDER
        return self._condition(
            test.line, field=FieldName.SIZE, operator=operator, value=str(positional[0].value)
        )

    def _body(self, test: Test) -> _Tree:
        tags, positional = self._split(test)
        keys = self._strings(test, positional, 1)[0]
        match = self._match(test, tags)
        tags.pop("text", None)
        for transform in ("raw", "content"):
            if transform in tags:
                raise Unsupported(test.line, f"body :{transform} not supported (only :text)")
        self._no_tags(test, tags)
        leaves: list[_Tree] = []
        for key in keys:
            operator, value = _operator(match, key)
            leaves.append(
                self._condition(test.line, field=FieldName.BODY, operator=operator, value=value)
            )
        return _Group("any", leaves)

    def conditions(self, test: Test) -> tuple[bool, str, list[Condition]]:
        """(enabled, match, conditions) for an `if` test. Raises Unsupported."""
        enabled = True
        if test.name == "false" and not test.arguments and not test.tests:
            return False, "all", []
        if test.name == "allof" and test.tests and test.tests[0].name == "false":
            enabled = False
            rest = test.tests[1:]
            if len(rest) == 1:
                test = rest[0]
            else:
                test = Test("allof" if rest else "true", [], rest, test.line)
        tree = _simplify(self.tree(test))
        if tree is True:
            return enabled, "all", []
        if tree is False:
            raise Unsupported(test.line, "the condition can never be true")
        if isinstance(tree, Condition):
            # `anyof (one test)` is how export writes a single condition matched "any"
            single_any = test.name == "anyof" and len(test.tests) == 1
            return enabled, "any" if single_any else "all", [tree]
        assert isinstance(tree, _Group)
        if not all(isinstance(t, Condition) for t in tree.items):
            raise Unsupported(
                test.line, "conditions mixing allof and anyof cannot be one Bureau filter"
            )
        return enabled, tree.mode, [t for t in tree.items if isinstance(t, Condition)]
