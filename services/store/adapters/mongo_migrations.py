"""Bringing documents of earlier releases to the current layout, at start-up.

Version 2 (mailbox organisation) gives folders `uidvalidity`, `uidnext` and `name_key`,
and messages `uid` (numbered by arrival, as the SQLite migration does) and the sort keys
of the listing. Every write is guarded by the absence of what it adds and computed from
the documents alone, so replicas migrating at once write the same values, and a run cut
short is finished by the next start. The version is recorded last, in `meta`.

Version 3 (composing and sending) gives accounts `addresses` (their address, aliases to
come) and each account that has none its first sender identity, its own address.

Version 4 gives accounts `uidvalidity`, the last UIDVALIDITY given (RFC 9051 §2.3.1.1):
the clock second of the migration, past every one given before it (clock seconds).

Version 5 (one mailbox core, changes in transactions) finishes the changes the previous
release left half done (`mongo_settle`), then gives folders their counters (`total`,
`unread`, `bytes`: the core keeps them from now on, instead of counting on every read)
and `created` (the listing's order), accounts `used_bytes`, and the unpublished journal
entries the `order` the relay reads them in. Replicas of earlier releases must be stopped
first: they do not keep the counters.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError, OperationFailure

from services.store.adapters.mongo_documents import Doc, account_of, sender_sort
from services.store.adapters.mongo_schema import RETIRED_INDEXES, Collections
from services.store.adapters.mongo_senders import primary_identity_doc
from services.store.adapters.mongo_settle import settle_pending
from shared.model import Address

_BATCH = 1000


async def migrate(db: Collections) -> None:
    meta = db.accounts.database["meta"]
    found = await meta.find_one({"_id": "schema"})
    current = 1 if found is None else int(found.get("version", 1))
    for version, step in sorted(_STEPS.items()):
        if version <= current:
            continue
        await step(db)
        await meta.update_one({"_id": "schema"}, {"$max": {"version": version}}, upsert=True)


async def _version_2(db: Collections) -> None:
    await _folders(db)
    await _sort_keys(db)


async def _version_3(db: Collections) -> None:
    await db.accounts.update_many(
        {"addresses": {"$exists": False}}, [{"$set": {"addresses": ["$address"]}}]
    )
    async for doc in db.accounts.find():
        if await db.identities.find_one({"account_id": doc["_id"]}, {"_id": True}) is None:
            with contextlib.suppress(DuplicateKeyError):  # a replica migrating beside
                await db.identities.insert_one(primary_identity_doc(account_of(doc)))


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


async def _version_4(db: Collections) -> None:
    await db.accounts.update_many(
        {"uidvalidity": {"$exists": False}}, {"$set": {"uidvalidity": int(time.time())}}
    )


async def _version_5(db: Collections) -> None:
    await settle_pending(db)
    await _folder_counters(db)
    await _used_bytes(db)
    # The relay's order of entries still to publish: their time (entries of one account
    # were written in modseq order, one change after the other).
    await db.journal.update_many(
        {"published": False, "order": {"$exists": False}}, [{"$set": {"order": "$at"}}]
    )
    for collection, names in RETIRED_INDEXES.items():
        for name in names:
            with contextlib.suppress(OperationFailure):  # gone already (or never made)
                await db.accounts.database[collection].drop_index(name)


async def _folder_counters(db: Collections) -> None:
    """Each folder's messages counted once; every write guarded by the absence of the
    counters, so a replica migrating beside, or the core once a replica serves, wins."""
    cursor = await db.messages.aggregate(
        [
            {
                "$group": {
                    "_id": "$folder_id",
                    "total": {"$sum": 1},
                    "unread": {"$sum": {"$cond": ["$unread", 1, 0]}},
                    "bytes": {"$sum": "$size"},
                }
            }
        ]
    )
    updates: list[UpdateOne] = []
    async for row in cursor:
        counters = {"total": row["total"], "unread": row["unread"], "bytes": row["bytes"]}
        updates.append(
            UpdateOne({"_id": row["_id"], "total": {"$exists": False}}, {"$set": counters})
        )
        if len(updates) == _BATCH:
            await db.folders.bulk_write(updates, ordered=False)
            updates = []
    if updates:
        await db.folders.bulk_write(updates, ordered=False)
    # Folders without messages, and the order of the listing: system folders by role,
    # user folders made before this release first, by name (as they were listed).
    await db.folders.update_many(
        {"total": {"$exists": False}}, {"$set": {"total": 0, "unread": 0, "bytes": 0}}
    )
    await db.folders.update_many({"created": {"$exists": False}}, {"$set": {"created": 0}})


async def _used_bytes(db: Collections) -> None:
    """An account's messages' sizes (a copy counts again: the user sees two messages)."""
    cursor = await db.messages.aggregate(
        [{"$group": {"_id": "$account_id", "bytes": {"$sum": "$size"}}}]
    )
    updates: list[UpdateOne] = []
    async for row in cursor:
        updates.append(
            UpdateOne(
                {"_id": row["_id"], "used_bytes": {"$exists": False}},
                {"$set": {"used_bytes": row["bytes"]}},
            )
        )
        if len(updates) == _BATCH:
            await db.accounts.bulk_write(updates, ordered=False)
            updates = []
    if updates:
        await db.accounts.bulk_write(updates, ordered=False)
    await db.accounts.update_many({"used_bytes": {"$exists": False}}, {"$set": {"used_bytes": 0}})


# Each layout version and the step that brings documents to it from the one before.
_STEPS: dict[int, Callable[[Collections], Awaitable[None]]] = {
    2: _version_2,
    3: _version_3,
    4: _version_4,
    5: _version_5,
}
VERSION = max(_STEPS)
