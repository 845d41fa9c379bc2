"""Reading messages: folder listings, tag listings, one message, threading keys, UIDs."""

from __future__ import annotations

import asyncio

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.cursor import AsyncCursor

from services.store.adapters.mongo_documents import (
    SUMMARY_ONLY,
    Doc,
    read_time,
    stored_of,
    summary_of,
    tag_of,
    thread_key_of,
)
from services.store.adapters.mongo_schema import (
    DATE_INDEX,
    SORT_INDEXES,
    TAGGED_INDEX,
    Collections,
)
from shared.model import (
    MessageSummary,
    Page,
    SortKey,
    StoredMessage,
    Tag,
    ThreadKey,
    UidEntry,
)
from shared.ports.mailbox import NotFound

# Each order, its fields and the index that gives it (read backwards when descending).
_ORDERS: dict[SortKey, tuple[list[str], str]] = {
    SortKey.DATE: (["date", "date_us"], DATE_INDEX),
    SortKey.SENDER: (["sender_sort"], SORT_INDEXES["sender_sort"]),
    SortKey.SUBJECT: (["subject_sort"], SORT_INDEXES["subject_sort"]),
    SortKey.SIZE: (["size"], SORT_INDEXES["size"]),
}


async def require_folder(db: Collections, account_id: str, folder_id: str) -> None:
    if await db.folders.find_one({"_id": folder_id, "account_id": account_id}, {"_id": 1}) is None:
        raise NotFound(f"folder {folder_id}")


def _cursor(
    db: Collections, where: Doc, order: list[tuple[str, int]], index: str, offset: int, limit: int
) -> AsyncCursor[Doc]:
    return (
        db.messages.find(where, SUMMARY_ONLY)
        .sort(order)
        .hint(index)
        .skip(max(offset, 0))
        .limit(limit)
    )


async def folder_page(
    db: Collections,
    account_id: str,
    folder_id: str,
    *,
    offset: int,
    limit: int,
    sort: SortKey,
    descending: bool,
    unread_only: bool,
) -> Page[MessageSummary]:
    """The total is the folder's counter (of all, or of unread messages), read beside the
    page: nothing is counted."""
    counters = db.folders.find_one(
        {"_id": folder_id, "account_id": account_id}, {"total": True, "unread": True}
    )
    where: Doc = {"account_id": account_id, "folder_id": folder_id}
    if unread_only:
        where["unread"] = True
    fields, index = _ORDERS[sort]
    direction = DESCENDING if descending else ASCENDING
    order = [(f, direction) for f in [*fields, "_id"]]
    docs: list[Doc] = []
    if limit <= 0:  # pymongo reads limit(0) as "no limit"
        folder = await counters
    else:
        folder, docs = await asyncio.gather(
            counters, _cursor(db, where, order, index, offset, limit).to_list()
        )
    if folder is None:
        raise NotFound(f"folder {folder_id}")
    total = int(folder.get("unread" if unread_only else "total", 0))
    return Page[MessageSummary](items=[summary_of(d) for d in docs], total=total)


async def tags(db: Collections, account_id: str) -> list[Tag]:
    cursor = db.tags.find({"account_id": account_id}).sort("name", ASCENDING)
    return [tag_of(d) async for d in cursor]


async def tag_page(
    db: Collections, account_id: str, tag_name: str, *, offset: int, limit: int
) -> Page[MessageSummary]:
    """Newest first, in every folder."""
    where = {"account_id": account_id, "tags": tag_name}
    total = db.messages.count_documents(where, hint=TAGGED_INDEX)
    if limit <= 0:
        return Page[MessageSummary](items=[], total=await total)
    order = [(f, DESCENDING) for f in ("date", "date_us", "_id")]
    found = _cursor(db, where, order, TAGGED_INDEX, offset, limit).to_list()
    docs, count = await asyncio.gather(found, total)
    return Page[MessageSummary](items=[summary_of(d) for d in docs], total=count)


async def message(db: Collections, account_id: str, message_id: str) -> StoredMessage:
    doc = await db.messages.find_one({"_id": message_id, "account_id": account_id})
    if doc is None:
        raise NotFound(f"message {message_id}")
    return stored_of(doc)


async def thread_keys(db: Collections, account_id: str, folder_id: str) -> list[ThreadKey]:
    await require_folder(db, account_id, folder_id)
    fields = (
        "message_id_header",
        "in_reply_to",
        "references",
        "subject",
        "date",
        "date_us",
        "unread",
    )
    cursor = db.messages.find(
        {"account_id": account_id, "folder_id": folder_id}, dict.fromkeys(fields, True)
    )
    return [thread_key_of(d) async for d in cursor]


_UID_FIELDS = (
    "uid",
    "blob_id", "unread", "flagged", "deleted", "answered", "draft", "tags", "size",
    "received_at", "received_at_us", "modseq",
)  # fmt: skip


async def unread_before(db: Collections, account_id: str, folder_id: str, message_id: str) -> bool:
    await require_folder(db, account_id, folder_id)
    mine = await db.messages.find_one(
        {"_id": message_id, "account_id": account_id, "folder_id": folder_id}, {"uid": True}
    )
    if mine is None:
        raise NotFound(f"message {message_id} in folder {folder_id}")
    older = await db.messages.find_one(
        {
            "account_id": account_id,
            "folder_id": folder_id,
            "uid": {"$lt": mine.get("uid", 0)},
            "unread": True,
            "deleted": {"$ne": True},
        },
        {"_id": True},
    )
    return older is not None


async def folder_uids(db: Collections, account_id: str, folder_id: str) -> list[UidEntry]:
    await require_folder(db, account_id, folder_id)
    cursor = db.messages.find(
        {"account_id": account_id, "folder_id": folder_id}, dict.fromkeys(_UID_FIELDS, True)
    ).sort("uid", 1)
    return [
        UidEntry(
            uid=d.get("uid", 0),
            id=d["_id"],
            blob_id=d["blob_id"],
            unread=d["unread"],
            flagged=d["flagged"],
            deleted=d.get("deleted", False),
            answered=d.get("answered", False),
            draft=d.get("draft", False),
            tags=d.get("tags", []),
            size=d["size"],
            received_at=read_time(d, "received_at"),
            modseq=d["modseq"],
        )
        async for d in cursor
    ]
