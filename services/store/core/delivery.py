"""Delivery (F1): idempotent by event id, in the thread of its parents, with the folder's
next UID, the account's next modseq, the counters and used bytes moved."""

from __future__ import annotations

from services.store.core.backend import NewRow
from services.store.core.change import Change
from services.store.core.records import new_summary
from shared.events import derived_id
from shared.model import Delivery, NewMessage, TagLimits


def trimmed(message: NewMessage, limits: TagLimits) -> NewMessage:
    """What the filters put on arriving mail is trimmed to the bound, never refused."""
    if len(message.tags) <= limits.per_message:
        return message
    kept = list(dict.fromkeys(message.tags))[: limits.per_message]
    return message.model_copy(update={"tags": kept})


def parents(message: NewMessage) -> list[str]:
    return [*message.parsed.in_reply_to, *message.parsed.references]


def deliver(change: Change, message: NewMessage) -> Delivery:
    """`change` read with `event_id` and `parents` of the message."""
    if change.snapshot.delivered is not None:
        return Delivery(message_id=change.snapshot.delivered, created=False)
    change.tree.get(message.folder_id)  # NotFound for a folder not of this account
    message_id = derived_id(message.account_id, message.event_id)
    row = NewRow(
        message_id=message_id,
        message=message,
        thread_id=change.snapshot.thread_id or message_id,
        uid=change.take_uid(message.folder_id),
        modseq=change.next_modseq(),
    )
    change.insert(row, new_summary(row))
    return Delivery(message_id=message_id, created=True)
