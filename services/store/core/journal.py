"""Journal entries (`MailboxChanged`): one per changed message or folder, each with the
account's next modseq, carrying the state after the change."""

from __future__ import annotations

from datetime import datetime

from services.store.core.backend import FolderRecord
from services.store.core.records import public_folder, public_summary
from shared.events import ChangeKind, MailboxChanged, derived_id
from shared.model import MessageSummary


def message_changed(
    kind: ChangeKind,
    summary: MessageSummary,
    at: datetime,
    previous_folder_id: str | None = None,
) -> MailboxChanged:
    """`summary` already carries the change's modseq."""
    return MailboxChanged.model_construct(
        event_id=derived_id(summary.id, kind.value, str(summary.modseq)),
        account_id=summary.account_id,
        modseq=summary.modseq,
        kind=kind,
        message_id=summary.id,
        folder_id=summary.folder_id,
        previous_folder_id=previous_folder_id,
        message=public_summary(summary),
        folder=None,
        at=at,
    )


def message_removed(
    account_id: str, message_id: str, folder_id: str, modseq: int, at: datetime
) -> MailboxChanged:
    kind = ChangeKind.MESSAGE_REMOVED
    return MailboxChanged.model_construct(
        event_id=derived_id(message_id, kind.value, str(modseq)),
        account_id=account_id,
        modseq=modseq,
        kind=kind,
        message_id=message_id,
        folder_id=folder_id,
        previous_folder_id=None,
        message=None,
        folder=None,
        at=at,
    )


def folder_changed(
    kind: ChangeKind, folder: FolderRecord, modseq: int, at: datetime
) -> MailboxChanged:
    return MailboxChanged.model_construct(
        event_id=derived_id(folder.id, kind.value, str(modseq)),
        account_id=folder.account_id,
        modseq=modseq,
        kind=kind,
        message_id=None,
        folder_id=folder.id,
        previous_folder_id=None,
        message=None,
        folder=public_folder(folder),
        at=at,
    )
