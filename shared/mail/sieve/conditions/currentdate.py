"""`currentdate` (RFC 5260 §5): Bureau's filters have no date condition; the test is read
only around a vacation (`shared/mail/sieve/vacation.py`), and reported anywhere else."""

from __future__ import annotations

from shared.mail.sieve.conditions import ConditionReader, reader
from shared.mail.sieve.conditions.tree import Tree
from shared.mail.sieve.notes import Unsupported
from shared.mail.sieve.parser import Test


@reader("currentdate")
def read(test: Test, _: ConditionReader) -> Tree:
    raise Unsupported(test.line, "currentdate is only supported around a vacation")
