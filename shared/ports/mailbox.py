"""Mailbox store port: the only owner of accounts, folders, messages and the change journal.

`MailboxStore` is what an adapter implements and the composition root holds: every role
of the store in one Protocol. Services are given only the roles they use (one module per
role in `shared/ports/`, their combinations in `shared/ports/uses.py`); docs/ARCHITECTURE.md
has the table of roles, methods and users.

Every mutation writes, in the same transaction, an entry of the account's change journal
with the next modification sequence (modseq). The store service relays unpublished
entries to `mailbox.changed.<account>`; see `services/store/relay.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from shared.model import InvalidName, NameTooLong, TagChange, tag_name
from shared.ports.administration import AccountAdmin
from shared.ports.automation import AutomationState
from shared.ports.directory import Directory
from shared.ports.errors import (
    AccountExists,
    Busy,
    Conflict,
    LimitExceeded,
    NotFound,
    Refused,
)
from shared.ports.filter_rules import FilterRules
from shared.ports.folders import Folders
from shared.ports.housekeeping import Housekeeping
from shared.ports.identities import Identities
from shared.ports.journal import Journal
from shared.ports.messages import Messages
from shared.ports.outbox import BACKLOG_COUNT_LIMIT, JournalBacklog, Outbox
from shared.ports.submissions import Submissions
from shared.ports.tags import Tags
from shared.ports.user_settings import UserSettings

__all__ = [
    "BACKLOG_COUNT_LIMIT",
    "AccountExists",
    "Busy",
    "Conflict",
    "JournalBacklog",
    "LimitExceeded",
    "MailboxStore",
    "NotFound",
    "Refused",
    "kept_name",
    "resolve_tags",
]


def kept_name(rule: Callable[[str], str], name: str) -> str:
    """`rule(name)` (`shared.model.folder_name`, `tag_name`: the name as kept), with its
    refusal as the port's: `LimitExceeded` past the length, else `Refused`."""
    try:
        return rule(name)
    except NameTooLong as exc:
        raise LimitExceeded(str(exc)) from None
    except InvalidName as exc:
        raise Refused(str(exc)) from None


def resolve_tags(change: TagChange, known: Collection[str]) -> tuple[TagChange, list[str]]:
    """A change of tags against the account's tag names `known`: the change in the names
    the tags have, and the new names it makes (`change.create`; else `NotFound`). Only
    new names are held to the rule of names (`kept_name`): existing tags keep working as
    they are. Names to take off that no tag has are dropped."""
    putting = [*change.add, *(change.replace or ())]
    unknown = [n for n in putting if n not in known]
    if unknown and not change.create:
        raise NotFound(f"tag {unknown[0]!r}")
    cleaned = {n: kept_name(tag_name, n) for n in unknown}
    new = [n for n in dict.fromkeys(cleaned.values()) if n not in known]
    resolved = TagChange(
        add=[cleaned.get(n, n) for n in change.add],
        remove=[n for n in change.remove if n in known],
        replace=None if change.replace is None else [cleaned.get(n, n) for n in change.replace],
    )
    return resolved, new


class MailboxStore(
    Directory,
    AccountAdmin,
    Folders,
    Messages,
    Tags,
    Journal,
    Outbox,
    AutomationState,
    Submissions,
    FilterRules,
    Identities,
    UserSettings,
    Housekeeping,
    Protocol,
):
    """Every role at once: what an adapter implements (structurally: adapters name no
    role) and what the composition root opens once per process."""

    async def ping(self) -> None:
        """Raise unless the store answers now: a cheap check for readiness that reads
        nothing of any account."""
        ...

    async def close(self) -> None: ...
