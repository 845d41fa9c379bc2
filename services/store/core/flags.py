"""Flags and tags of many messages in one change (IMAP STORE, the API's actions, a tag
deleted). A message is written only when its flags or tags change, with only what
changes; the tags a change names are held to `TagLimits` before anything is written."""

from __future__ import annotations

from collections.abc import Iterable

from services.store.core.change import Change
from shared.model import FlagChange, TagChange, TagLimits
from shared.ports.mailbox import LimitExceeded


def change_flags(
    change: Change,
    ids: Iterable[str],
    flags: FlagChange,
    tags: TagChange | None,
    limits: TagLimits | None,
) -> list[str]:
    """Apply `flags` and `tags` (names the account's tags have) to the messages `ids`;
    returns those that changed. `limits`: what a message's tags may not grow past (None:
    nothing, for taking a tag off everywhere)."""
    wanted = {name: value for name, value in flags.model_dump().items() if value is not None}
    changed: list[str] = []
    for message_id in ids:
        message = change.messages.get(message_id)
        if message is None:
            continue
        update: dict[str, object] = {
            name: value for name, value in wanted.items() if getattr(message, name) != value
        }
        if tags is not None:
            before = message.tags
            after = tags.apply(before)
            if after != before:
                if limits is not None and (refusal := limits.too_many(before, after)):
                    raise LimitExceeded(refusal)
                update["tags"] = after
        if update:
            change.patch(message, **update)
            changed.append(message_id)
    return changed
