"""What the rules make of records: the public types, and a delivered message's summary."""

from __future__ import annotations

from datetime import UTC, datetime

from services.store.core.backend import FolderRecord, MessageRecord, NewRow
from shared.model import Folder, MessageSummary

_FOLDER_FIELDS = tuple(Folder.model_fields)
_SUMMARY_FIELDS = tuple(MessageSummary.model_fields)


def utc(value: datetime) -> datetime:
    """Times as stored: in UTC (a naive time is taken as local, as `astimezone` does)."""
    return value.astimezone(UTC)


def public_folder(record: FolderRecord, unread_below: bool = False) -> Folder:
    """The `Folder` clients see: without what only the rules need."""
    values = {name: getattr(record, name) for name in _FOLDER_FIELDS}
    values["unread_below"] = unread_below
    return Folder.model_construct(**values)


def public_summary(record: MessageSummary) -> MessageSummary:
    """The `MessageSummary` clients see (journal entries carry it)."""
    if type(record) is MessageSummary:
        return record
    return MessageSummary.model_construct(
        **{name: getattr(record, name) for name in _SUMMARY_FIELDS}
    )


def new_summary(row: NewRow) -> MessageSummary:
    """A delivered message as listed: its date is the header's, else its arrival; it has
    attachments when a part is not inline; a tag is carried once; a receipt the sender
    asked for (RFC 8098) is pending."""
    message, parsed = row.message, row.message.parsed
    return MessageSummary(
        id=row.message_id,
        account_id=message.account_id,
        folder_id=message.folder_id,
        blob_id=message.blob_id,
        subject=parsed.subject,
        sender=parsed.sender,
        to=parsed.to,
        cc=parsed.cc,
        date=utc(parsed.date or message.received_at),
        received_at=utc(message.received_at),
        size=message.size,
        unread=message.unread,
        flagged=message.flagged,
        has_attachments=any(not a.inline for a in parsed.attachments),
        thread_id=row.thread_id,
        modseq=row.modseq,
        uid=row.uid,
        tags=list(dict.fromkeys(message.tags)),
        has_comment=bool(message.comment),
        deleted=message.deleted,
        answered=message.answered,
        draft=message.draft,
        receipt="pending" if message.receipt_to else None,
    )


def as_record(summary: MessageSummary, **update: object) -> MessageRecord:
    """A summary as a record of the rules, with some fields changed."""
    values = {name: getattr(summary, name) for name in _SUMMARY_FIELDS}
    values.update(update)
    return MessageRecord.model_construct(**values)
