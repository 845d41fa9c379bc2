"""`size` (RFC 5228 §5.9): size over / under, both directions (the same strict
comparison on both sides)."""

from __future__ import annotations

from shared.filters import Condition, FieldName, Operator
from shared.mail.sieve.conditions import ConditionReader, reader, writer
from shared.mail.sieve.conditions import compare as c
from shared.mail.sieve.conditions.tree import Tree
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.parser import Number, Test
from shared.mail.sieve.registry import WriteContext


@reader("size")
def read(test: Test, _: ConditionReader) -> Tree:
    tags, positional = c.split(test)
    if len(positional) != 1 or not isinstance(positional[0], Number):
        raise SieveSyntaxError(test.line, "size takes :over or :under and a number")
    which = [t for t in ("over", "under") if t in tags]
    if len(which) != 1 or len(tags) != 1:
        raise SieveSyntaxError(test.line, "size takes exactly one of :over and :under")
    operator = Operator.OVER if which[0] == "over" else Operator.UNDER
    return c.condition(
        test.line, field=FieldName.SIZE, operator=operator, value=str(positional[0].value)
    )


@writer(FieldName.SIZE)
def write(condition: Condition, context: WriteContext) -> str:
    assert condition.operator is not None  # the model requires over or under
    return f"size :{condition.operator.value} {condition.value}"
