"""Moving and copying messages between folders; a copy must fit in the quota (F40, F58)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from services.store.core import removal
from services.store.core.change import Change
from shared.ports.mailbox import Refused


def move(change: Change, ids: Iterable[str], folder_id: str, **extra: Any) -> list[str]:
    """Move the messages not already there; each gets the folder's next UID."""
    change.tree.get(folder_id)
    moved = []
    for message_id in ids:
        message = change.messages.get(message_id)
        if message is None or message.folder_id == folder_id:
            continue
        change.patch(message, folder_id=folder_id, uid=change.take_uid(folder_id), **extra)
        moved.append(message_id)
    return moved


def copy_size(change: Change, ids: Iterable[str]) -> int:
    return sum(change.messages[i].size for i in ids if i in change.messages)


def copy(change: Change, ids: list[str], folder_id: str, room_order: list[str]) -> list[str]:
    """Copies (same blob, new id and UID, its own flags) in `folder_id`, after making
    room from Trash (`room_order`: Trash's messages, first trashed first). A copy asks
    for no read receipt: the request stays the original's, settled once."""
    change.tree.get(folder_id)
    sources = [change.messages[i] for i in ids if i in change.messages]
    size = sum(s.size for s in sources)
    if not change.quota().admits(size):
        raise Refused("mailbox full: the copies do not fit in the quota")
    keep = {s.id for s in sources}
    removal.make_room(change, size, [i for i in room_order if i not in keep])
    copies = []
    for source in sources:
        copy_id = uuid.uuid4().hex
        change.copy(source, folder_id, copy_id)
        copies.append(copy_id)
    return copies
