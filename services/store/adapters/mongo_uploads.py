"""Sending limits (messages per day of the plan) and the uploads of messages being composed,
on MongoDB; the rules are `core.submissions`'s."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import (
    earlier_than,
    now_ms,
    upload_doc,
    upload_of,
)
from services.store.adapters.mongo_schema import Collections
from services.store.adapters.mongo_senders import require_account
from services.store.core import submissions as rules
from services.store.core.directory import page_size
from shared.events import derived_id
from shared.model import Upload


async def admit(
    db: Collections,
    account_id: str,
    event_id: str,
    at: datetime,
    since: datetime,
    limit: int | None,
) -> bool:
    """Insert first, count after: of concurrent callers, one that finds the window over the
    limit takes its own submission back, so the limit is never passed (though racing
    callers may all be refused when one could have gone)."""
    await require_account(db, account_id)
    key = derived_id(account_id, event_id)
    if await db.submissions.find_one({"_id": key}, {"_id": True}) is not None:
        return True
    await db.submissions.delete_many(
        {"account_id": account_id, "at": {"$lt": rules.forget_before(at, since)}}
    )
    window = {"account_id": account_id, "at": {"$gte": since}}
    if limit is not None and not rules.admits(await db.submissions.count_documents(window), limit):
        return False
    try:
        await db.submissions.insert_one(
            {"_id": key, "account_id": account_id, "event_id": event_id, "at": at}
        )
    except DuplicateKeyError:  # the same message, counted by a concurrent call
        return True
    others = await db.submissions.count_documents(window) - 1 if limit is not None else 0
    if not rules.admits(others, limit):
        await db.submissions.delete_one({"_id": key})
        return False
    return True


async def add_upload(db: Collections, upload: Upload) -> Upload:
    await require_account(db, upload.account_id)
    try:
        await db.uploads.insert_one(upload_doc(upload))
    except DuplicateKeyError:
        raise rules.upload_exists(upload.id) from None
    return upload


async def upload(db: Collections, account_id: str, upload_id: str) -> Upload:
    doc = await db.uploads.find_one({"_id": upload_id, "account_id": account_id})
    if doc is None:
        raise rules.no_upload(upload_id)
    return upload_of(doc)


async def expire_uploads(db: Collections, created_before: datetime, limit: int) -> int:
    """Their blobs go on the orphan list before the uploads go, so a crash between the two
    loses no blob (`settle_orphan` checks the uploads again before one is deleted)."""
    if (size := page_size(limit)) == 0:
        return 0
    cursor = (
        db.uploads.find(earlier_than("created_at", created_before), {"blob_id": True})
        .sort([("created_at", ASCENDING), ("created_at_us", ASCENDING)])
        .limit(size)
    )
    expired = await cursor.to_list()
    if not expired:
        return 0
    ids = [d["_id"] for d in expired]
    blob_ids = sorted({d["blob_id"] for d in expired})
    used = set(await db.messages.distinct("blob_id", {"blob_id": {"$in": blob_ids}}))
    used.update(
        await db.uploads.distinct("blob_id", {"blob_id": {"$in": blob_ids}, "_id": {"$nin": ids}})
    )
    orphans = [b for b in blob_ids if b not in used]
    if orphans:
        since = now_ms()
        await db.orphan_blobs.bulk_write(
            [
                UpdateOne({"_id": b}, {"$setOnInsert": {"since": since}}, upsert=True)
                for b in orphans
            ],
            ordered=False,
        )
    removed = await db.uploads.delete_many({"_id": {"$in": ids}})
    return removed.deleted_count


async def blob_in_use(db: Collections, blob_id: str) -> bool:
    """Whether a message or an upload refers to the blob."""
    if await db.messages.find_one({"blob_id": blob_id}, {"_id": True}) is not None:
        return True
    return await db.uploads.find_one({"blob_id": blob_id}, {"_id": True}) is not None
