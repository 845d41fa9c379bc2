"""`keep` (RFC 5228 §4.3): Bureau files every message unless a filter moves, deletes or
discards it, so `keep` has no action of its own. Read: beside fileinto, it turns the
block's moves into copies (the message also stays in the Inbox); alone, it is Bureau's
default. Nothing writes it."""

from __future__ import annotations

from shared.filters import ActionKind
from shared.mail.sieve.actions import Block, finisher, reader
from shared.mail.sieve.actions.arguments import plain
from shared.mail.sieve.parser import Command


@reader("keep")
def read(command: Command, block: Block) -> None:
    plain(command)
    block.keep = True


@finisher
def moves_become_copies(block: Block) -> None:
    if block.keep:
        block.actions = [
            a.model_copy(update={"kind": ActionKind.COPY}) if a.kind is ActionKind.MOVE else a
            for a in block.actions
        ]
