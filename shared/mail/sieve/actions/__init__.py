"""Sieve actions <-> Bureau's filter actions: one module per Sieve action, each holding
both directions, registered in `ACTIONS` (see `shared/mail/sieve/registry.py`).

- `fileinto`: move, copy, delete (RFC 5228 §4.1, RFC 3894 :copy); `redirect`: forward
  (§4.2); `keep` (§4.3); `discard` (§4.4); `control`: stop, and nested if / require
  (reported); `imap4flags`: addflag / setflag → mark_read, flag, tags (RFC 5232);
- `bureau`: comment, notify_email, notify_sms, which Sieve has no standard form for,
  as Bureau's `# bureau:` comment lines; `reject` and `vacation` inside a filter are
  reported (the vacation setting is `shared/mail/sieve/vacation.py`).

`ActionReader` is the import's driver for one block: each command goes to its reader,
then the `finisher`s (keep, redirect) adjust the whole block's actions. The export's
driver is `export.py`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.filters import Action
from shared.mail.sieve.notes import Note, Unsupported
from shared.mail.sieve.parser import Comment, Node
from shared.mail.sieve.registry import Registry, WriteContext

__all__ = ["ACTIONS", "COMMENT", "ActionReader", "Block"]

COMMENT = "#"  # the name comment lines are read under (a `Comment`, not a `Command`)


@dataclass
class Block:
    """The actions read so far from one block, and what later commands change in them."""

    folder_ids: dict[str, str]  # folder path -> id
    note: Note
    actions: list[Action] = field(default_factory=list)
    keep: bool = False  # an explicit `keep`
    plain_redirect: int = -1  # index after the last redirect without :copy


ReadAction = Callable[[Any, Block], None]  # a Command, or a Comment under COMMENT
WriteAction = Callable[[Action, WriteContext], list[str]]
Finish = Callable[[Block], None]

_MODULES = (
    "fileinto",
    "redirect",
    "keep",
    "discard",
    "control",
    "imap4flags",
    "bureau",
    "reject",
    "vacation",
)

ACTIONS: Registry[ReadAction, WriteAction] = Registry()
reader = ACTIONS.reader
writer = ACTIONS.writer
_FINISHERS: list[Finish] = []


def finisher(finish: Finish) -> Finish:
    """Decorator: `finish` runs on each block once all its commands are read."""
    _FINISHERS.append(finish)
    return finish


class ActionReader:
    def __init__(
        self,
        folder_ids: dict[str, str],
        note: Note,
        registry: Registry[ReadAction, WriteAction] = ACTIONS,
    ) -> None:
        self.folder_ids = folder_ids
        self.note = note
        self.registry = registry

    def actions(self, nodes: list[Node]) -> list[Action]:
        block = Block(self.folder_ids, self.note)
        for node in nodes:
            if isinstance(node, Comment):
                for read in self.registry.readers_for(COMMENT):
                    read(node, block)
                continue
            readers = self.registry.readers_for(node.name)
            if not readers:
                self.note(node.line, f"command '{node.name}' is not supported")
            try:
                for read in readers:
                    read(node, block)
            except Unsupported as error:
                self.note(error.line, error.message)
        for finish in _FINISHERS:
            finish(block)
        return block.actions


for _name in _MODULES:
    importlib.import_module(f"{__name__}.{_name}")
