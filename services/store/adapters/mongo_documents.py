"""How the MongoDB mailbox store lays out its documents: to and from the domain types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.model import (
    SYSTEM_FOLDERS,
    Account,
    Folder,
    FolderRole,
    MessageSummary,
    NewMessage,
)

Doc = dict[str, Any]

# MongoDB keeps a document under 16 MiB; the raw message stays whole in the blob store,
# so the parsed copies are bounded instead of making a large message undeliverable.
_MAX_BODY_BYTES = 4 * 1024 * 1024
_MAX_HEADER_BYTES = 1024 * 1024
_ROLE_ORDER = {role: n for n, role in enumerate(SYSTEM_FOLDERS)}


def now_ms() -> datetime:
    """Now, at the millisecond precision BSON dates keep, so a read returns what was written."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def time_fields(name: str, value: datetime) -> Doc:
    """A datetime as a BSON date (milliseconds) plus `<name>_us`, the microseconds it drops."""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    micros = utc.microsecond % 1000
    return {name: utc - timedelta(microseconds=micros), f"{name}_us": micros}


def read_time(doc: Doc, name: str) -> datetime:
    value: datetime = doc[name]
    return value + timedelta(microseconds=doc.get(f"{name}_us", 0))


def _clip(text: str, limit: int) -> str:
    if len(text) * 4 <= limit:  # UTF-8 takes at most 4 bytes a character
        return text
    data = text.encode("utf-8", "surrogatepass")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def _clip_headers(headers: list[tuple[str, str]]) -> list[list[str]]:
    kept: list[list[str]] = []
    budget = _MAX_HEADER_BYTES
    for name, value in headers:
        budget -= len(name) + len(value)
        if budget < 0:
            break
        kept.append([name, value])
    return kept


def message_doc(message_id: str, message: NewMessage, thread_id: str, modseq: int) -> Doc:
    parsed = message.parsed
    return {
        "_id": message_id,
        "account_id": message.account_id,
        "event_id": message.event_id,
        "folder_id": message.folder_id,
        "blob_id": message.blob_id,
        "size": message.size,
        **time_fields("date", parsed.date or message.received_at),
        **time_fields("received_at", message.received_at),
        "subject": parsed.subject,
        "sender": parsed.sender.model_dump() if parsed.sender else None,
        "to": [a.model_dump() for a in parsed.to],
        "cc": [a.model_dump() for a in parsed.cc],
        "unread": message.unread,
        "flagged": message.flagged,
        "has_attachments": any(not a.inline for a in parsed.attachments),
        "thread_id": thread_id,
        "modseq": modseq,
        "message_id_header": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "headers": _clip_headers(parsed.headers),
        "text_body": _clip(parsed.text_body, _MAX_BODY_BYTES),
        "html_body": _clip(parsed.html_body, _MAX_BODY_BYTES),
        "attachments": [a.model_dump() for a in parsed.attachments],
    }


def account_of(doc: Doc) -> Account:
    return Account(
        id=doc["_id"],
        address=doc["address"],
        password_hash=doc["password_hash"],
        created_at=doc["created_at"],
    )


def folder_of(doc: Doc, counts: dict[str, list[int]]) -> Folder:
    total, unread = counts.get(doc["_id"], [0, 0])
    return Folder(
        id=doc["_id"],
        account_id=doc["account_id"],
        name=doc["name"],
        role=FolderRole(doc["role"]) if doc.get("role") else None,
        parent_id=doc.get("parent_id"),
        total=total,
        unread=unread,
    )


def folder_order(folder: Folder) -> tuple[int, str]:
    """System folders first, in their usual order; then the user's, by name."""
    if folder.role is None:
        return len(_ROLE_ORDER), folder.name
    return _ROLE_ORDER[folder.role], ""


def summary_of(doc: Doc) -> MessageSummary:
    return MessageSummary(
        id=doc["_id"],
        account_id=doc["account_id"],
        folder_id=doc["folder_id"],
        blob_id=doc["blob_id"],
        subject=doc["subject"],
        sender=doc["sender"],
        to=doc["to"],
        cc=doc["cc"],
        date=read_time(doc, "date"),
        received_at=read_time(doc, "received_at"),
        size=doc["size"],
        unread=doc["unread"],
        flagged=doc["flagged"],
        has_attachments=doc["has_attachments"],
        thread_id=doc["thread_id"],
        modseq=doc["modseq"],
    )
