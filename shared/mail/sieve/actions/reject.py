"""`reject` / `ereject` (RFC 5429): Bureau's filters never refuse a message it has
accepted, so both are reported; no Bureau action is written as them."""

from __future__ import annotations

from shared.mail.sieve.actions import Block, reader
from shared.mail.sieve.parser import Command


@reader("reject", "ereject")
def read(command: Command, block: Block) -> None:
    block.note(command.line, f"{command.name} is not supported as a filter action")
