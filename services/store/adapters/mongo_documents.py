"""How the MongoDB mailbox store lays out its documents: to and from the domain types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.store.core.backend import FolderRecord, MessageRecord, NewRow
from services.store.core.records import new_summary
from services.store.core.tree import name_key
from shared.events import MailboxChanged
from shared.model import (
    SYSTEM_FOLDERS,
    Account,
    Address,
    FolderRole,
    Identity,
    IdentityFields,
    MessageSummary,
    Plan,
    StoredMessage,
    Tag,
    ThreadKey,
    Upload,
)

Doc = dict[str, Any]

# MongoDB keeps a document under 16 MiB; the raw message stays whole in the blob store,
# so the parsed copies are bounded instead of making a large message undeliverable.
_MAX_BODY_BYTES = 4 * 1024 * 1024
_MAX_HEADER_BYTES = 1024 * 1024
_ROLE_ORDER = {role: n for n, role in enumerate(SYSTEM_FOLDERS)}

# What a listing leaves out of a message document.
SUMMARY_ONLY = {
    f: False
    for f in ("headers", "text_body", "html_body", "attachments", "in_reply_to", "references")
}


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


def optional_time(doc: Doc, name: str) -> datetime | None:
    return read_time(doc, name) if doc.get(name) is not None else None


def earlier_than(name: str, when: datetime) -> Doc:
    """A filter: the time stored as `time_fields(name, …)` is before `when`, to the µs."""
    bound = time_fields(name, when)
    millis, micros = bound[name], bound[f"{name}_us"]
    return {"$or": [{name: {"$lt": millis}}, {name: millis, f"{name}_us": {"$lt": micros}}]}


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


def sender_sort(sender: Address | None) -> str:
    """What the From column sorts by: the display name, else the address, case-folded."""
    return ((sender.name or sender.address) if sender else "").lower()


def message_doc(row: NewRow) -> Doc:
    """A delivered message; what the listing derives (date, sender, attachments, tags,
    receipt) is the core's `new_summary`, as in its journal entry."""
    message, parsed = row.message, row.message.parsed
    summary = new_summary(row)
    return {
        "_id": row.message_id,
        "account_id": summary.account_id,
        "event_id": message.event_id,
        "folder_id": summary.folder_id,
        "uid": row.uid,
        "blob_id": summary.blob_id,
        "size": summary.size,
        **time_fields("date", summary.date),
        **time_fields("received_at", summary.received_at),
        "subject": summary.subject,
        "subject_sort": summary.subject.lower(),
        "sender": summary.sender.model_dump() if summary.sender else None,
        "sender_sort": sender_sort(summary.sender),
        "to": [a.model_dump() for a in summary.to],
        "cc": [a.model_dump() for a in summary.cc],
        "unread": summary.unread,
        "flagged": summary.flagged,
        "deleted": summary.deleted,
        "answered": summary.answered,
        "draft": summary.draft,
        "tags": summary.tags,
        "comment": message.comment or None,
        "matched_filters": message.filters,
        "receipt_to": message.receipt_to,
        "receipt": summary.receipt,
        "trashed_from": None,
        "trashed_at": None,
        "has_attachments": summary.has_attachments,
        "thread_id": row.thread_id,
        "modseq": row.modseq,
        "message_id_header": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "headers": _clip_headers(parsed.headers),
        "text_body": _clip(parsed.text_body, _MAX_BODY_BYTES),
        "html_body": _clip(parsed.html_body, _MAX_BODY_BYTES),
        "attachments": [a.model_dump() for a in parsed.attachments],
    }


def copy_doc(source: Doc, copy_id: str, folder_id: str, uid: int, modseq: int) -> Doc:
    """A copy of a stored message in another folder: same blob, own id, UID and flags; it is
    not in Trash by having been trashed, whatever the folder, and asks for no read receipt
    (the request stays the original's, settled once)."""
    return {
        **source,
        "_id": copy_id,
        "event_id": copy_id,  # unique per account like a delivery's; derives no other id
        "folder_id": folder_id,
        "uid": uid,
        "modseq": modseq,
        "trashed_from": None,
        "trashed_at": None,
        "trashed_at_us": 0,
        "receipt_to": None,
        "receipt": None,
    }


def account_of(doc: Doc) -> Account:
    return Account(
        id=doc["_id"],
        address=doc["address"],
        password_hash=doc["password_hash"],
        created_at=doc["created_at"],
        external_senders=bool(doc.get("external_senders", False)),
        submission_blocked=bool(doc.get("submission_blocked", False)),
    )


def folder_fields(folder: FolderRecord) -> Doc:
    """A folder's stored fields but `_id` and `created` (set once, when it is inserted)."""
    when = time_fields("trashed_at", folder.trashed_at) if folder.trashed_at else None
    return {
        "account_id": folder.account_id,
        "name": folder.name,
        "name_key": name_key(folder.name),  # what makes sibling names alike (the core's)
        "role": folder.role.value if folder.role else None,
        "parent_id": folder.parent_id,
        "uidvalidity": folder.uidvalidity,
        "uidnext": folder.uidnext,
        "total": folder.total,
        "unread": folder.unread,
        "bytes": folder.bytes,
        **(when or {"trashed_at": None, "trashed_at_us": 0}),
    }


def folder_record_of(doc: Doc) -> FolderRecord:
    return FolderRecord(
        id=doc["_id"],
        account_id=doc["account_id"],
        name=doc["name"],
        role=FolderRole(doc["role"]) if doc.get("role") else None,
        parent_id=doc.get("parent_id"),
        total=doc.get("total", 0),
        unread=doc.get("unread", 0),
        uidvalidity=doc.get("uidvalidity", 1),
        uidnext=doc.get("uidnext", 1),
        trashed_at=optional_time(doc, "trashed_at"),
        bytes=doc.get("bytes", 0),
    )


def folder_order(doc: Doc) -> tuple[int, int, str, str]:
    """The listing order: system folders first, in their usual order; then the user's, as
    they were made (`created`: the modseq of the change that made them)."""
    role = doc.get("role")
    rank = _ROLE_ORDER[FolderRole(role)] if role else len(_ROLE_ORDER)
    return rank, int(doc.get("created", 0)), doc.get("name_key", ""), str(doc["_id"])


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
        uid=doc.get("uid", 0),
        tags=doc.get("tags", []),
        has_comment=bool(doc.get("comment")),
        deleted=doc.get("deleted", False),
        trashed_from=doc.get("trashed_from"),
        answered=doc.get("answered", False),
        draft=doc.get("draft", False),
        receipt=doc.get("receipt"),  # absent from documents of earlier releases
    )


def record_of(doc: Doc) -> MessageRecord:
    return MessageRecord(
        **summary_of(doc).model_dump(),
        trashed_at=optional_time(doc, "trashed_at"),
        comment=doc.get("comment"),
    )


def stored_of(doc: Doc) -> StoredMessage:
    return StoredMessage(
        **summary_of(doc).model_dump(),
        message_id=doc["message_id_header"],
        in_reply_to=doc["in_reply_to"],
        references=doc["references"],
        headers=[(name, value) for name, value in doc["headers"]],
        text_body=doc["text_body"],
        html_body=doc["html_body"],
        attachments=doc["attachments"],
        comment=doc.get("comment"),
        filters=doc.get("matched_filters", []),  # absent from documents of earlier releases
    )


def thread_key_of(doc: Doc) -> ThreadKey:
    return ThreadKey(
        id=doc["_id"],
        message_id=doc.get("message_id_header"),
        in_reply_to=doc.get("in_reply_to", []),
        references=doc.get("references", []),
        subject=doc["subject"],
        date=read_time(doc, "date"),
        unread=doc["unread"],
    )


def tag_of(doc: Doc) -> Tag:
    return Tag(id=doc["_id"], account_id=doc["account_id"], name=doc["name"], color=doc["color"])


def plan_doc(plan: Plan) -> Doc:
    return {"_id": plan.name, **plan.model_dump(exclude={"name"})}


def plan_of(doc: Doc) -> Plan:
    return Plan(name=doc["_id"], **{k: v for k, v in doc.items() if k != "_id"})


# --- sending: identities and uploads ------------------------------------------------


def identity_doc(
    identity_id: str, account_id: str, fields: IdentityFields, created_at: datetime
) -> Doc:
    """`created_at` orders an account's identities, oldest first."""
    return {
        "_id": identity_id,
        "account_id": account_id,
        **fields.model_dump(),
        **time_fields("created_at", created_at),
    }


def identity_of(doc: Doc) -> Identity:
    fields = {name: doc[name] for name in IdentityFields.model_fields if name in doc}
    return Identity(id=doc["_id"], account_id=doc["account_id"], **fields)


def upload_doc(upload: Upload) -> Doc:
    return {
        "_id": upload.id,
        "account_id": upload.account_id,
        "blob_id": upload.blob_id,
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        **time_fields("created_at", upload.created_at),
    }


def upload_of(doc: Doc) -> Upload:
    return Upload(
        id=doc["_id"],
        account_id=doc["account_id"],
        blob_id=doc["blob_id"],
        filename=doc["filename"],
        content_type=doc["content_type"],
        size=doc["size"],
        created_at=read_time(doc, "created_at"),
    )


# --- the change journal ---------------------------------------------------------------


def entry_doc(event: MailboxChanged, order: datetime) -> Doc:
    """`order` is the account's journal time of the batch (see `mongo_batch`): it grows
    with every batch of the account, so sorting by (order, account, modseq) gives the relay
    each account's entries in modseq order, and all of them about in commit order."""
    return {
        "id": event.event_id,
        "account_id": event.account_id,
        "modseq": event.modseq,
        "kind": event.kind.value,
        "message_id": event.message_id,
        "folder_id": event.folder_id,
        "published": False,
        "order": order,
        "at": event.at,
        "event": event.model_dump(mode="json"),
    }
