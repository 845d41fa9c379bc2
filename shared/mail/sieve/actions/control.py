"""Control commands inside a block (RFC 5228 §3): `stop`, both directions; a nested
`if` / `elsif` / `else` (Bureau's filters are flat) and a `require` are reported (the
script's own `require` is read by `import_.py`)."""

from __future__ import annotations

from shared.filters import Action, ActionKind
from shared.mail.sieve.actions import Block, reader, writer
from shared.mail.sieve.actions.arguments import plain
from shared.mail.sieve.parser import Command
from shared.mail.sieve.registry import WriteContext


@reader("stop")
def read_stop(command: Command, block: Block) -> None:
    plain(command)
    block.actions.append(Action(kind=ActionKind.STOP))


@writer(ActionKind.STOP)
def write_stop(action: Action, context: WriteContext) -> list[str]:
    return ["stop;"]


@reader("if", "elsif", "else")
def read_nested(command: Command, block: Block) -> None:
    block.note(command.line, f"nested {command.name} is not supported")


@reader("require")
def read_require(command: Command, block: Block) -> None:
    block.note(command.line, "require inside a block is ignored")
