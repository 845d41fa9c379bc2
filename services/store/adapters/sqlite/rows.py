"""Rows to domain types, and the time format of the SQLite adapter (UTC ISO-8601, sortable)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from services.store.core.backend import FolderRecord, MessageRecord
from shared.model import (
    Account,
    Address,
    Folder,
    FolderRole,
    Identity,
    IdentityFields,
    MessageSummary,
    Tag,
    Upload,
)

SUMMARY_COLUMNS = (
    "id, account_id, folder_id, blob_id, size, received_at, date, subject, sender, recipients,"
    " unread, flagged, has_attachments, thread_id, modseq, uid, tags, comment IS NOT NULL"
    " AS has_comment, deleted, trashed_from, answered, draft, receipt_state"
)
RECORD_COLUMNS = f"{SUMMARY_COLUMNS}, trashed_at, comment"


def ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def account(row: sqlite3.Row) -> Account:
    return Account(
        id=row["id"],
        address=row["address"],
        password_hash=row["password_hash"],
        created_at=dt(row["created_at"]),
        external_senders=bool(row["external_senders"]),
        submission_blocked=bool(row["submission_blocked"]),
    )


def folder(row: sqlite3.Row, unread_below: bool = False) -> Folder:
    return Folder(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        role=FolderRole(row["role"]) if row["role"] else None,
        parent_id=row["parent_id"],
        total=row["total"],
        unread=row["unread"],
        unread_below=unread_below,
        uidvalidity=row["uidvalidity"],
        uidnext=row["uidnext"],
    )


def _summary_fields(row: sqlite3.Row) -> dict[str, Any]:
    recipients = json.loads(row["recipients"])
    return {
        "id": row["id"],
        "account_id": row["account_id"],
        "folder_id": row["folder_id"],
        "blob_id": row["blob_id"],
        "subject": row["subject"],
        "sender": Address.model_validate_json(row["sender"]) if row["sender"] else None,
        "to": [Address(**a) for a in recipients["to"]],
        "cc": [Address(**a) for a in recipients["cc"]],
        "date": dt(row["date"]),
        "received_at": dt(row["received_at"]),
        "size": row["size"],
        "unread": bool(row["unread"]),
        "flagged": bool(row["flagged"]),
        "has_attachments": bool(row["has_attachments"]),
        "thread_id": row["thread_id"],
        "modseq": row["modseq"],
        "uid": row["uid"],
        "tags": json.loads(row["tags"]),
        "has_comment": bool(row["has_comment"]),
        "deleted": bool(row["deleted"]),
        "trashed_from": row["trashed_from"],
        "answered": bool(row["answered"]),
        "draft": bool(row["draft"]),
        "receipt": row["receipt_state"],
    }


def summary(row: sqlite3.Row) -> MessageSummary:
    return MessageSummary(**_summary_fields(row))


def record(row: sqlite3.Row) -> MessageRecord:
    """A message as the core's rules read it (`RECORD_COLUMNS`)."""
    trashed_at = row["trashed_at"]
    return MessageRecord(
        **_summary_fields(row),
        trashed_at=dt(trashed_at) if trashed_at else None,
        comment=row["comment"],
    )


def folder_record(row: sqlite3.Row) -> FolderRecord:
    trashed_at = row["trashed_at"]
    return FolderRecord(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        role=FolderRole(row["role"]) if row["role"] else None,
        parent_id=row["parent_id"],
        total=row["total"],
        unread=row["unread"],
        uidvalidity=row["uidvalidity"],
        uidnext=row["uidnext"],
        trashed_at=dt(trashed_at) if trashed_at else None,
        bytes=row["bytes"],
    )


def tag(row: sqlite3.Row) -> Tag:
    return Tag(id=row["id"], account_id=row["account_id"], name=row["name"], color=row["color"])


def identity(row: sqlite3.Row) -> Identity:
    fields = IdentityFields.model_validate_json(row["fields"])
    return Identity(id=row["id"], account_id=row["account_id"], **fields.model_dump())


def upload(row: sqlite3.Row) -> Upload:
    return Upload(
        id=row["id"],
        account_id=row["account_id"],
        blob_id=row["blob_id"],
        filename=row["filename"],
        content_type=row["content_type"],
        size=row["size"],
        created_at=dt(row["created_at"]),
    )
