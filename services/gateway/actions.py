"""What each message action does, as a table of calls on the mailbox port (F38, F39, F50)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.model import FlagChange, Selection
from shared.ports.messages import Messages


@dataclass(frozen=True)
class Target:
    """Where the action points, when it needs one (checked to be the account's own)."""

    folder_id: str | None = None
    tag_id: str | None = None


Perform = Callable[[Messages, str, Selection, Target], Awaitable[list[str]]]


def _flags(change: FlagChange) -> Perform:
    async def perform(mailbox: Messages, account: str, sel: Selection, _: Target) -> list[str]:
        return await mailbox.set_flags(account, sel, change)

    return perform


def _tagging(add: bool) -> Perform:
    async def perform(mailbox: Messages, account: str, sel: Selection, to: Target) -> list[str]:
        assert to.tag_id is not None  # ActionRequest demands it
        return await mailbox.tag_messages(account, sel, to.tag_id, add=add)

    return perform


async def _move(mailbox: Messages, account: str, sel: Selection, to: Target) -> list[str]:
    assert to.folder_id is not None
    return await mailbox.move_messages(account, sel, to.folder_id)


async def _copy(mailbox: Messages, account: str, sel: Selection, to: Target) -> list[str]:
    assert to.folder_id is not None
    return await mailbox.copy_messages(account, sel, to.folder_id)


async def _delete(mailbox: Messages, account: str, sel: Selection, _: Target) -> list[str]:
    return await mailbox.trash_messages(account, sel)


async def _restore(mailbox: Messages, account: str, sel: Selection, _: Target) -> list[str]:
    return await mailbox.restore_messages(account, sel)


async def _destroy(mailbox: Messages, account: str, sel: Selection, _: Target) -> list[str]:
    return (await mailbox.destroy_messages(account, sel)).message_ids


ACTIONS: dict[str, Perform] = {
    "read": _flags(FlagChange(unread=False)),
    "unread": _flags(FlagChange(unread=True)),
    "flag": _flags(FlagChange(flagged=True)),
    "unflag": _flags(FlagChange(flagged=False)),
    "move": _move,
    "copy": _copy,
    "delete": _delete,
    "restore": _restore,
    "destroy": _destroy,
    "tag": _tagging(add=True),
    "untag": _tagging(add=False),
}
