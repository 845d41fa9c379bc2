"""`exists` (RFC 5228 §5.5): a header or the mailing list present, both directions.

Read: each name is a header `exists` ("list-id" → list `exists`), all of them. Written:
header / list with operator exists → `exists "<name>"`."""

from __future__ import annotations

from shared.filters import Condition, FieldName, Operator
from shared.mail.sieve.conditions import ConditionReader, reader, writer
from shared.mail.sieve.conditions import compare as c
from shared.mail.sieve.conditions.tree import Group, Tree
from shared.mail.sieve.parser import Test
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote

_LIST_HEADER = "list-id"


@reader("exists")
def read(test: Test, _: ConditionReader) -> Tree:
    tags, positional = c.split(test)
    names = c.strings(test, positional, 1)[0]
    c.no_tags(test, tags)
    return Group("all", [_exists(test.line, n) for n in names])


def _exists(line: int, name: str) -> Condition:
    if name.lower() == _LIST_HEADER:
        return c.condition(line, field=FieldName.LIST, operator=Operator.EXISTS)
    return c.condition(line, field=FieldName.HEADER, operator=Operator.EXISTS, header=name)


@writer((FieldName.HEADER, Operator.EXISTS), (FieldName.LIST, Operator.EXISTS))
def write(condition: Condition, context: WriteContext) -> str:
    name = _LIST_HEADER if condition.field is FieldName.LIST else condition.header or ""
    return f"exists {quote(name)}"
