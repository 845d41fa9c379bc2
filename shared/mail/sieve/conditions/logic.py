"""`allof`, `anyof`, `not`, `true`, `false` (RFC 5228 §5.2, §5.3, §5.8, §5.10, §5.5).

They read as groups, negation and booleans of the tree; written, a filter's match all/any
is `allof`/`anyof` and a negated condition `not <test>` (both by the export's driver)."""

from __future__ import annotations

from shared.mail.sieve.conditions import ConditionReader, reader
from shared.mail.sieve.conditions.tree import Group, Tree, negate
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.parser import Test


@reader("true", "false", nests=True)
def read_boolean(test: Test, _: ConditionReader) -> Tree:
    if test.arguments or test.tests:
        raise SieveSyntaxError(test.line, f"{test.name} takes no arguments")
    return test.name == "true"


@reader("not", nests=True)
def read_not(test: Test, conditions: ConditionReader) -> Tree:
    if len(test.tests) != 1 or test.arguments:
        raise SieveSyntaxError(test.line, "not takes exactly one test")
    return negate(conditions.tree(test.tests[0]))


@reader("allof", "anyof", nests=True)
def read_group(test: Test, conditions: ConditionReader) -> Tree:
    if not test.tests or test.arguments:
        raise SieveSyntaxError(test.line, f"{test.name} takes a list of tests")
    mode = "all" if test.name == "allof" else "any"
    return Group(mode, [conditions.tree(t) for t in test.tests])
