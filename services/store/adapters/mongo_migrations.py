"""Bringing documents of earlier releases to the current layout, at start-up.

Version 2 (mailbox organisation) gives folders `uidvalidity`, `uidnext` and `name_key`,
and messages `uid` (numbered by arrival, as the SQLite migration does) and the sort keys
of the listing. Every write is guarded by the absence of what it adds and computed from
the documents alone, so replicas migrating at once write the same values, and a run cut
short is finished by the next start. The version is recorded last, in `meta`.
"""

from __future__ import annotations

import time

from pymongo import ASCENDING, UpdateOne

from services.store.adapters.mongo_documents import Doc, sender_sort
from services.store.adapters.mongo_schema import Collections
from shared.model import Address

VERSION = 2
_BATCH = 1000


async def migrate(db: Collections) -> None:
    meta = db.accounts.database["meta"]
    found = await meta.find_one({"_id": "schema"})
    if found is not None and found.get("version", 1) >= VERSION:
        return
    await _folders(db)
    await _sort_keys(db)
    await meta.update_one({"_id": "schema"}, {"$max": {"version": VERSION}}, upsert=True)


async def _folders(db: Collections) -> None:
    uidvalidity = int(time.time())
    async for folder in db.folders.find({"uidnext": {"$exists": False}}, {"account_id": True}):
        last = await _number(db, folder["account_id"], folder["_id"])
        await db.folders.update_one(
            {"_id": folder["_id"], "uidnext": {"$exists": False}},
            {"$set": {"uidnext": last + 1, "uidvalidity": uidvalidity}},
        )
    async for folder in db.folders.find({"name_key": {"$exists": False}}, {"name": True}):
        await db.folders.update_one(
            {"_id": folder["_id"], "name_key": {"$exists": False}},
            {"$set": {"name_key": folder["name"].casefold()}},
        )


async def _number(db: Collections, account_id: str, folder_id: str) -> int:
    """UIDs 1, 2, … to a folder's messages in order of arrival; returns the last."""
    cursor = db.messages.find(
        {"account_id": account_id, "folder_id": folder_id}, {"uid": True}
    ).sort([("received_at", ASCENDING), ("received_at_us", ASCENDING), ("_id", ASCENDING)])
    updates: list[UpdateOne] = []
    uid = 0
    async for doc in cursor:
        uid += 1
        updates.append(
            UpdateOne({"_id": doc["_id"], "uid": {"$exists": False}}, {"$set": {"uid": uid}})
        )
        if len(updates) == _BATCH:
            await db.messages.bulk_write(updates, ordered=False)
            updates = []
    if updates:
        await db.messages.bulk_write(updates, ordered=False)
    return uid


async def _sort_keys(db: Collections) -> None:
    where: Doc = {"sender_sort": {"$exists": False}}
    updates: list[UpdateOne] = []
    async for doc in db.messages.find(where, {"sender": True, "subject": True}):
        sender = Address(**doc["sender"]) if doc.get("sender") else None
        keys = {"sender_sort": sender_sort(sender), "subject_sort": doc["subject"].lower()}
        updates.append(UpdateOne({"_id": doc["_id"], **where}, {"$set": keys}))
        if len(updates) == _BATCH:
            await db.messages.bulk_write(updates, ordered=False)
            updates = []
    if updates:
        await db.messages.bulk_write(updates, ordered=False)
