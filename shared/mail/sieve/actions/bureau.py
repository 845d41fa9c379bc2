"""Bureau's own comment lines: comment, notify_email and notify_sms, both directions.

Sieve has no standard form for these (RFC 5435's `notify` cannot say Bureau's SMS or
comment), so they are written as `# bureau: comment "<json string>"` and `# bureau:
notify_email ["<address>", ...]` comment lines, which the importer reads back and other
servers ignore; the export notes each one. `# bureau: disabled` (before a disabled
filter) and `# bureau: missing ...` (an action the export left out) are read here too."""

from __future__ import annotations

import json

from pydantic import ValidationError

from shared.filters import Action, ActionKind
from shared.mail.sieve.actions import COMMENT, Block, reader, writer
from shared.mail.sieve.parser import Comment
from shared.mail.sieve.registry import WriteContext

PREFIX = "bureau:"


@reader(COMMENT)
def read(comment: Comment, block: Block) -> None:
    text = comment.text
    if not text.startswith(PREFIX):
        return
    word, _, rest = text[len(PREFIX) :].strip().partition(" ")
    try:
        if word == "comment":
            value = json.loads(rest)
            if isinstance(value, str):
                block.actions.append(Action(kind=ActionKind.COMMENT, text=value))
                return
        elif word in ("notify_email", "notify_sms"):
            addresses = json.loads(rest)
            if isinstance(addresses, list) and all(isinstance(a, str) for a in addresses):
                block.actions.append(Action(kind=ActionKind(word), addresses=addresses))
                return
        elif word == "missing":
            block.note(comment.line, f"the export left out an action: {text}")
            return
        elif word == "disabled":
            return
    except (ValueError, ValidationError):
        pass
    block.note(comment.line, f"unreadable Bureau comment: {text[:80]}")


@writer(ActionKind.COMMENT)
def write_comment(action: Action, context: WriteContext) -> list[str]:
    context.notes.append(f"{context.rule}: the comment is a Bureau-only action")
    return [f"# bureau: comment {json.dumps(action.text or '', ensure_ascii=False)}"]


@writer(ActionKind.NOTIFY_EMAIL, ActionKind.NOTIFY_SMS)
def write_notify(action: Action, context: WriteContext) -> list[str]:
    kind = action.kind.value
    context.notes.append(f"{context.rule}: {kind} is a Bureau-only action")
    return [f"# bureau: {kind} {json.dumps(action.addresses, ensure_ascii=False)}"]
