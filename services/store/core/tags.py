"""Tags (F50): a colour, no renaming; the account's number of tags is bounded."""

from __future__ import annotations

import uuid

from services.store.core.change import Change
from shared.model import DEFAULT_TAG_COLOR, Tag, TagChange, TagLimits, tag_name
from shared.ports.mailbox import Conflict, LimitExceeded, NotFound, kept_name, resolve_tags


def find(tags: list[Tag], tag_id: str) -> Tag:
    for tag in tags:
        if tag.id == tag_id:
            return tag
    raise NotFound(f"tag {tag_id}")


def room(count: int, wanted: int, limits: TagLimits) -> None:
    """Refuse `wanted` more tags past the account's bound (existing ones keep working)."""
    if count + wanted > limits.per_account:
        raise LimitExceeded(f"an account has at most {limits.per_account} tags ({count} now)")


def new_tag(account_id: str, tags: list[Tag], name: str, color: str, limits: TagLimits) -> Tag:
    name = kept_name(tag_name, name)
    if any(t.name == name for t in tags):
        raise Conflict(f"a tag named {name!r} exists")
    room(len(tags), 1, limits)
    return Tag(id=uuid.uuid4().hex, account_id=account_id, name=name, color=color)


def resolve(change: Change, tags: TagChange, limits: TagLimits) -> TagChange:
    """The change in the names the account's tags have, the new ones made (grey) within
    the account's bound (`resolve_tags`). `change` read with its tags."""
    known = [t.name for t in change.snapshot.tags or ()]
    resolved, new = resolve_tags(tags, set(known))
    if new:
        room(len(known), len(new), limits)
        change.add_tags(
            [
                Tag(
                    id=uuid.uuid4().hex,
                    account_id=change.account_id,
                    name=n,
                    color=DEFAULT_TAG_COLOR,
                )
                for n in new
            ]
        )
    return resolved
