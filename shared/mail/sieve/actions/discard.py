"""`discard` (RFC 5228 §4.4): discard (the message is never stored), both directions."""

from __future__ import annotations

from shared.filters import Action, ActionKind
from shared.mail.sieve.actions import Block, reader, writer
from shared.mail.sieve.actions.arguments import plain
from shared.mail.sieve.parser import Command
from shared.mail.sieve.registry import WriteContext


@reader("discard")
def read(command: Command, block: Block) -> None:
    plain(command)
    block.actions.append(Action(kind=ActionKind.DISCARD))


@writer(ActionKind.DISCARD)
def write(action: Action, context: WriteContext) -> list[str]:
    return ["discard;"]
