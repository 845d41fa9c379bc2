"""`fileinto` (RFC 5228 §4.1, with RFC 3894 :copy and RFC 5232 :flags): move, copy and
delete, both directions.

Read: a folder path → its id by the account's folders (an unknown folder is reported and
the action skipped); :copy → copy; "Trash" without :copy → delete; :create is accepted.
Written: move → `fileinto "<path>"`, copy → `fileinto :copy` (extension "copy"), delete
→ `fileinto "Trash"` (extension "fileinto"); a folder since removed is left out, noted."""

from __future__ import annotations

import json

from shared.filters import Action, ActionKind
from shared.mail.sieve.actions import Block, reader, writer
from shared.mail.sieve.actions.arguments import split
from shared.mail.sieve.actions.imap4flags import flag_actions
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.notes import Unsupported
from shared.mail.sieve.parser import Command
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote

TRASH = "Trash"


@reader("fileinto")
def read(command: Command, block: Block) -> None:
    tags, values, positional = split(command, {"flags"})
    if len(positional) != 1 or len(positional[0].values) != 1:
        raise SieveSyntaxError(command.line, "fileinto takes one folder name")
    folder = positional[0].values[0]
    copy = "copy" in tags
    tags.discard("copy")
    tags.discard("create")
    actions: list[Action] = []
    flags = values.get("flags")
    if flags is not None:
        actions.extend(flag_actions(command, flags, block))
    tags.discard("flags")
    if tags:
        raise Unsupported(command.line, f"fileinto :{sorted(tags)[0]} not supported")
    if folder == TRASH and not copy:
        block.actions.extend([*actions, Action(kind=ActionKind.DELETE)])
        return
    folder_id = block.folder_ids.get(folder)
    if folder_id is None:
        raise Unsupported(
            command.line, f"folder {folder!r} does not exist; its fileinto is skipped"
        )
    kind = ActionKind.COPY if copy else ActionKind.MOVE
    block.actions.extend([*actions, Action(kind=kind, folder_id=folder_id)])


@writer(ActionKind.MOVE, ActionKind.COPY)
def write(action: Action, context: WriteContext) -> list[str]:
    context.extensions.add("fileinto")
    name = context.folder_names.get(action.folder_id or "")
    if name is None:
        context.notes.append(
            f"{context.rule}: folder {action.folder_id!r} no longer exists; "
            f"its {action.kind.value} is left out"
        )
        return [f"# bureau: missing folder {json.dumps(action.folder_id)}"]
    copy = ""
    if action.kind is ActionKind.COPY:
        context.extensions.add("copy")
        copy = ":copy "
    return [f"fileinto {copy}{quote(name)};"]


@writer(ActionKind.DELETE)
def write_delete(action: Action, context: WriteContext) -> list[str]:
    context.extensions.add("fileinto")
    return [f"fileinto {quote(TRASH)};"]
