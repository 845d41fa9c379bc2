"""`addflag` / `setflag` (RFC 5232): mark_read, flag and tags, both directions.

Read: \\Seen → mark_read, \\Flagged → flag, keywords → tags (other system flags are
reported); `fileinto :flags` reads its list here too. Written: `addflag "<flag>"`
(extension "imap4flags"); the export writes flags before a filter's other actions, since
in Sieve they apply only to messages filed after them."""

from __future__ import annotations

from pydantic import ValidationError

from shared.filters import Action, ActionKind
from shared.mail.sieve.actions import Block, reader, writer
from shared.mail.sieve.actions.arguments import split
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.notes import Unsupported
from shared.mail.sieve.parser import Command
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote

_SYSTEM = {ActionKind.MARK_READ: "\\Seen", ActionKind.FLAG: "\\Flagged"}
FLAG_KINDS = frozenset({ActionKind.TAG, *_SYSTEM})


@reader("addflag", "setflag")
def read(command: Command, block: Block) -> None:
    tags, _, positional = split(command, set())
    if tags:
        raise Unsupported(command.line, f"{command.name} :{sorted(tags)[0]} not supported")
    if len(positional) == 2:
        raise Unsupported(command.line, f"{command.name} on a variable not supported")
    if len(positional) != 1:
        raise SieveSyntaxError(command.line, f"{command.name} takes a list of flags")
    block.actions.extend(flag_actions(command, positional[0].values, block))


def flag_actions(command: Command, values: list[str], block: Block) -> list[Action]:
    """The actions for a list of flags (each string may hold several, space-separated)."""
    actions: list[Action] = []
    for flag in (f for value in values for f in value.split()):
        low = flag.lower()
        if low == "\\seen":
            actions.append(Action(kind=ActionKind.MARK_READ))
        elif low == "\\flagged":
            actions.append(Action(kind=ActionKind.FLAG))
        elif flag.startswith("\\"):
            block.note(command.line, f"flag {flag!r} is not supported")
        else:
            try:
                actions.append(Action(kind=ActionKind.TAG, tag=flag))
            except ValidationError:
                block.note(command.line, f"tag {flag[:40]!r}... is too long")
    return actions


@writer(ActionKind.TAG, ActionKind.MARK_READ, ActionKind.FLAG)
def write(action: Action, context: WriteContext) -> list[str]:
    context.extensions.add("imap4flags")
    flag = _SYSTEM.get(action.kind, action.tag or "")
    if action.kind is ActionKind.TAG and any(ch.isspace() for ch in flag):
        context.notes.append(
            f"{context.rule}: tag {flag!r} has spaces; Sieve reads it as several flags"
        )
    return [f"addflag {quote(flag)};"]
