"""`currentdate` (RFC 5260 §5): Bureau's filters have no date condition; the test is read
only around a vacation (`shared/sieve/vacation.py`), and reported anywhere else."""

from __future__ import annotations

from shared.sieve.conditions import ConditionReader, reader
from shared.sieve.conditions.tree import Tree
from shared.sieve.notes import Unsupported
from shared.sieve.parser import Test


@reader("currentdate")
def read(test: Test, _: ConditionReader) -> Tree:
    raise Unsupported(test.line, "currentdate is only supported around a vacation")
