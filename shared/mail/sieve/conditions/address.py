"""`address` (RFC 5228 §5.1): from and to_cc, both directions.

Read: "from" → from, "to" with "cc" → to_cc, "subject" / "list-id" → those fields, any
other header → header; :all / :localpart / :domain become :matches patterns on the whole
address. Written: from → `address "from"`, to_cc → `address ["to", "cc"]`."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.sieve.conditions import ConditionReader, reader, writer
from shared.mail.sieve.conditions import compare as c
from shared.mail.sieve.conditions.tree import Tree
from shared.mail.sieve.parser import Test
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote

_HEADERS = {FieldName.FROM: '"from"', FieldName.TO_CC: '["to", "cc"]'}


@reader("address")
def read(test: Test, conditions: ConditionReader) -> Tree:
    tags, positional = c.split(test)
    names, keys = c.strings(test, positional, 2)
    match = c.match_type(test, tags, conditions.note)
    part = c.address_part(test, tags)
    c.no_tags(test, tags)
    return c.leaves(test.line, part, match, keys, c.header_targets(names))


@writer(FieldName.FROM, FieldName.TO_CC)
def write(condition: Condition, context: WriteContext) -> str:
    tag, value = c.write_match(condition, context)
    return f"address {tag} {_HEADERS[condition.field]} {quote(value)}"
