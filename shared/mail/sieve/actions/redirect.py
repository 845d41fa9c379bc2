"""`redirect` (RFC 5228 §4.2, with RFC 3894 :copy): forward, both directions.

Read: consecutive redirects of one kind (all :copy, or all plain) are one forward to
their addresses; a plain redirect cancels Sieve's implicit keep, so when nothing else in
the block moves, deletes or discards the message, a discard is added after it. Written:
one `redirect` per address, with `:copy` (extension "copy") unless the filter moves,
deletes or discards the message (Sieve's redirect would otherwise cancel the keep)."""

from __future__ import annotations

from shared.filters import Action, ActionKind
from shared.mail.sieve.actions import Block, finisher, reader, writer
from shared.mail.sieve.actions.arguments import split
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.notes import Unsupported
from shared.mail.sieve.parser import Command
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote

UNKEEPING = frozenset({ActionKind.MOVE, ActionKind.DELETE, ActionKind.DISCARD})


@reader("redirect")
def read(command: Command, block: Block) -> None:
    tags, _, positional = split(command, set())
    if len(positional) != 1 or len(positional[0].values) != 1:
        raise SieveSyntaxError(command.line, "redirect takes one address")
    unknown = tags - {"copy"}
    if unknown:
        raise Unsupported(command.line, f"redirect :{sorted(unknown)[0]} not supported")
    copy, address = "copy" in tags, positional[0].values[0]
    actions = block.actions
    last = actions[-1] if actions else None
    if (
        last is not None
        and last.kind is ActionKind.FORWARD
        and (block.plain_redirect == len(actions)) == (not copy)
        and address not in last.addresses
    ):
        last.addresses.append(address)
    else:
        actions.append(Action(kind=ActionKind.FORWARD, addresses=[address]))
    if not copy:
        block.plain_redirect = len(actions)


@finisher
def cancel_keep(block: Block) -> None:
    """A plain redirect with nothing else taking the message away: it is not kept."""
    if block.keep or block.plain_redirect < 0:
        return
    if not any(a.kind in UNKEEPING for a in block.actions):
        block.actions.insert(block.plain_redirect, Action(kind=ActionKind.DISCARD))


@writer(ActionKind.FORWARD)
def write(action: Action, context: WriteContext) -> list[str]:
    copy = ""
    if context.kept:
        context.extensions.add("copy")
        copy = ":copy "
    return [f"redirect {copy}{quote(a)};" for a in action.addresses]
