"""Removing messages for good, and making room for new mail in a full account from
Trash (F40)."""

from __future__ import annotations

from collections.abc import Iterable

from services.store.core.change import Change
from shared.model import Removal


def destroy(change: Change, ids: Iterable[str], removal: Removal | None = None) -> Removal:
    removal = removal if removal is not None else Removal()
    for message_id in list(ids):
        message = change.messages.get(message_id)
        if message is not None:
            change.destroy(message, removal)
    return removal


def make_room(change: Change, needed: int, order: Iterable[str]) -> Removal:
    """Remove Trash messages in `order` (first trashed first) until `needed` more bytes fit."""
    removal = Removal()
    for message_id in order:
        if change.fits(needed):
            break
        destroy(change, [message_id], removal)
    return removal
