"""`vacation` inside a filter (RFC 5230): Bureau's vacation is an account setting, not a
filter action, so it is reported here; at top level or under dates it is read as the
setting, and written from it, by `shared/mail/sieve/vacation.py`."""

from __future__ import annotations

from shared.mail.sieve.actions import Block, reader
from shared.mail.sieve.notes import VACATION_IN_FILTER
from shared.mail.sieve.parser import Command


@reader("vacation")
def read(command: Command, block: Block) -> None:
    block.note(command.line, VACATION_IN_FILTER)
