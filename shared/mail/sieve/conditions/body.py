"""`body` (RFC 5173): the message's text, both directions.

Read: `body :text` (the default transform is Bureau's text too); `:raw` and `:content`
are reported. Written: body → `body :text` (extension "body")."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.sieve.conditions import ConditionReader, reader, writer
from shared.mail.sieve.conditions import compare as c
from shared.mail.sieve.conditions.tree import Group, Tree
from shared.mail.sieve.notes import Unsupported
from shared.mail.sieve.parser import Test
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote


@reader("body")
def read(test: Test, conditions: ConditionReader) -> Tree:
    tags, positional = c.split(test)
    keys = c.strings(test, positional, 1)[0]
    match = c.match_type(test, tags, conditions.note)
    tags.pop("text", None)
    for transform in ("raw", "content"):
        if transform in tags:
            raise Unsupported(test.line, f"body :{transform} not supported (only :text)")
    c.no_tags(test, tags)
    found: list[Tree] = []
    for key in keys:
        operator, value = c.operator(match, key)
        found.append(c.condition(test.line, field=FieldName.BODY, operator=operator, value=value))
    return Group("any", found)


@writer(FieldName.BODY)
def write(condition: Condition, context: WriteContext) -> str:
    context.extensions.add("body")
    tag, value = c.write_match(condition, context)
    return f"body :text {tag} {quote(value)}"
