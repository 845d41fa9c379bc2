"""Changes and their journal entries without multi-document transactions.

Every change is made in three single-document steps:

1. The account's next modseq is allocated (`$inc`); a crash after it only leaves a gap,
   which modseq semantics allow (RFC 7162 §3.1.6.1 asks for growth, not contiguity).
2. The document gets the change together with `pending` = {kind, modseq, previous folder,
   time}: the change and the record that it still needs a journal entry are one write.
   It is made only while the document's modseq is below the one reserved; a change that
   reserved first but comes to write second takes a new modseq, so a document's entries
   in modseq order are its changes in the order they were written.
3. `settle` upserts the journal entry under an id derived from (document, kind, modseq),
   then clears `pending` if it still holds that modseq — or, for a removal, records the
   blob if no message refers to it any more and deletes the document.

A crash between 2 and 3 leaves `pending` behind; `heal` settles it, and runs before every
change of the account (so entries keep the order of the changes) and from the journal
relay's poll (`unpublished_changes`). Settling twice writes the same entry twice, which the
upsert reduces to one. A document whose removal has begun takes no other change, so its
`pending` cannot be overwritten before it is gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from services.store.adapters.mongo_documents import (
    FOLDER_REMOVED,
    NOT_REMOVING,
    REMOVED,
    SUMMARY_ONLY,
    Doc,
    entry_doc,
    folder_change,
    folder_of,
    message_change,
    now_ms,
)
from services.store.adapters.mongo_schema import COUNTS_INDEX, PENDING_INDEX, Collections
from shared.events import MailboxChanged
from shared.model import Folder
from shared.ports.mailbox import NotFound

_DUPLICATE_KEY = 11000
# The relay's sweep leaves a change alone this long, so it settles changes left by a crash
# rather than racing the ones in progress (racing would be harmless, only wasted work).
_STALE = timedelta(seconds=10)


async def allocate_modseqs(db: Collections, account_id: str, count: int) -> int:
    """Reserve `count` consecutive modseqs of the account; returns the first."""
    doc = await db.accounts.find_one_and_update(
        {"_id": account_id},
        {"$inc": {"modseq": count}},
        projection={"modseq": True},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise NotFound(f"account {account_id}")
    return int(doc["modseq"]) - count + 1


async def allocate_uids(db: Collections, account_id: str, folder_id: str, count: int) -> int:
    """Reserve `count` consecutive UIDs in a folder (RFC 3501 §2.3.1.1); returns the first.

    UIDs are taken before the message is written, so a crash or a lost race leaves a gap,
    which IMAP allows: UIDs only have to grow."""
    doc = await db.folders.find_one_and_update(
        {"_id": folder_id, "account_id": account_id, **NOT_REMOVING},
        {"$inc": {"uidnext": count}},
        projection={"uidnext": True},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise NotFound(f"folder {folder_id}")
    return int(doc["uidnext"]) - count


async def change_message(db: Collections, where: Doc, update: Doc, mark: Doc) -> Doc | None:
    """Step 2 for one message: apply `update` if `where` (which names the account) still
    matches, with `mark` as its pending change. Returns the document after the change
    (without bodies), or None."""
    return await _change(db.messages, db, where, update, mark, SUMMARY_ONLY)


async def change_folder(db: Collections, where: Doc, update: Doc, mark: Doc) -> Doc | None:
    """Step 2 for one folder, as `change_message`."""
    return await _change(db.folders, db, where, update, mark, None)


async def _change(
    collection: AsyncCollection[Doc],
    db: Collections,
    where: Doc,
    update: Doc,
    mark: Doc,
    projection: Doc | None,
) -> Doc | None:
    # A document's modseq only grows, so its entries in modseq order are its changes in the
    # order they were written. A change that reserved its modseq before another, and comes
    # to write after it, takes a new one.
    while True:
        changed = await collection.find_one_and_update(
            {**where, **NOT_REMOVING, "modseq": {"$not": {"$gte": mark["modseq"]}}},
            {
                **update,
                "$set": {**update.get("$set", {}), "modseq": mark["modseq"], "pending": mark},
            },
            projection=projection,
            return_document=ReturnDocument.AFTER,
        )
        if changed is not None:
            return changed
        if await collection.find_one({**where, **NOT_REMOVING}, {"_id": True}) is None:
            return None  # nothing to change any more
        mark = {**mark, "modseq": await allocate_modseqs(db, where["account_id"], 1)}


async def settle_messages(db: Collections, docs: Sequence[Doc]) -> None:
    """Step 3 for message documents carrying `pending`."""
    if not docs:
        return
    await _write_entries(db.journal, [message_change(d) for d in docs])
    removed = [d for d in docs if d["pending"]["kind"] == REMOVED]
    kept = [d for d in docs if d["pending"]["kind"] != REMOVED]
    if kept:
        await db.messages.bulk_write(
            [
                UpdateOne(
                    {"_id": d["_id"], "pending.modseq": d["pending"]["modseq"]},
                    {"$unset": {"pending": ""}},
                )
                for d in kept
            ],
            ordered=False,
        )
    if removed:
        await _record_orphans(db, {d["blob_id"] for d in removed})
        await db.messages.delete_many(
            {"_id": {"$in": [d["_id"] for d in removed]}, "pending.kind": REMOVED}
        )


async def _record_orphans(db: Collections, blob_ids: set[str]) -> None:
    """Record the blobs no message refers to once these removals are done. Before the
    delete, so a crash after it cannot lose a blob; a message being removed does not count,
    and `settle_orphan` checks again before the blob goes."""
    used = set(
        await db.messages.distinct(
            "blob_id", {"blob_id": {"$in": sorted(blob_ids)}, "pending.kind": {"$ne": REMOVED}}
        )
    )
    orphans = sorted(blob_ids - used)
    if orphans:
        since = now_ms()
        await db.orphan_blobs.bulk_write(
            [
                UpdateOne({"_id": b}, {"$setOnInsert": {"since": since}}, upsert=True)
                for b in orphans
            ],
            ordered=False,
        )


async def is_referenced(db: Collections, blob_id: str) -> bool:
    found = await db.messages.find_one(
        {"blob_id": blob_id, "pending.kind": {"$ne": REMOVED}}, {"_id": True}
    )
    return found is not None


async def settle_folders(db: Collections, docs: Sequence[Doc]) -> list[Folder]:
    """Step 3 for folder documents carrying `pending`; returns the folders as journaled."""
    if not docs:
        return []
    snapshots = await _snapshots(db, docs)
    await _write_entries(
        db.journal, [folder_change(d, s) for d, s in zip(docs, snapshots, strict=True)]
    )
    for doc in docs:
        where = {"_id": doc["_id"], "pending.modseq": doc["pending"]["modseq"]}
        if doc["pending"]["kind"] == FOLDER_REMOVED:
            await db.folders.delete_one(where)
        else:
            await db.folders.update_one(where, {"$unset": {"pending": ""}})
    return snapshots


async def _snapshots(db: Collections, docs: Sequence[Doc]) -> list[Folder]:
    """The folders with their counts, and whether a folder below holds unread mail."""
    account_id = docs[0]["account_id"]
    tree_docs, counts = await asyncio.gather(
        db.folders.find({"account_id": account_id}, {"parent_id": True}).to_list(),
        folder_counts(db, account_id),
    )
    children: dict[str, list[str]] = {}
    for d in tree_docs:
        if d.get("parent_id") is not None:
            children.setdefault(d["parent_id"], []).append(d["_id"])

    def unread_below(folder_id: str) -> bool:
        seen, queue = {folder_id}, list(children.get(folder_id, []))
        while queue:
            current = queue.pop()
            if current in seen:
                continue
            seen.add(current)
            if counts.get(current, [0, 0])[1] > 0:
                return True
            queue.extend(children.get(current, []))
        return False

    return [folder_of(d, counts, unread_below(d["_id"])) for d in docs]


async def folder_counts(
    db: Collections, account_id: str, folder_ids: Sequence[str] | None = None
) -> dict[str, list[int]]:
    """{folder id: [total, unread]}, counted on the covering index."""
    match: Doc = {"account_id": account_id}
    if folder_ids is not None:
        match["folder_id"] = {"$in": list(folder_ids)}
    cursor = await db.messages.aggregate(
        [
            {"$match": match},
            {"$group": {"_id": {"f": "$folder_id", "u": "$unread"}, "n": {"$sum": 1}}},
        ],
        hint=COUNTS_INDEX,
    )
    counts: dict[str, list[int]] = {}
    async for row in cursor:
        total_unread = counts.setdefault(row["_id"]["f"], [0, 0])
        total_unread[0] += row["n"]
        if row["_id"]["u"]:
            total_unread[1] += row["n"]
    return counts


async def heal(db: Collections, account_id: str | None = None, limit: int = 256) -> None:
    """Settle changes a crash left half done: an account's before its next change, or the
    stale ones of every account (from the relay's poll)."""
    where: Doc = {"pending": {"$exists": True}}
    if account_id is not None:
        where["account_id"] = account_id
    else:
        where["pending.at"] = {"$lt": now_ms() - _STALE}
    while True:  # until a short batch: a cut-off chunk of changes can exceed one
        found = db.messages.find(where, SUMMARY_ONLY).hint(PENDING_INDEX).limit(limit)
        messages = await found.to_list()
        await settle_messages(db, messages)
        if len(messages) < limit:
            break
    while True:
        folders = await db.folders.find(where).hint(PENDING_INDEX).limit(limit).to_list()
        for doc in folders:
            await settle_folders(db, [doc])  # snapshots are per account
        if len(folders) < limit:
            break


async def _write_entries(journal: AsyncCollection[Doc], events: Sequence[MailboxChanged]) -> None:
    """Upsert journal entries by id; the first write of an entry wins."""
    requests = [
        UpdateOne({"id": e.event_id}, {"$setOnInsert": entry_doc(e)}, upsert=True) for e in events
    ]
    try:
        await journal.bulk_write(requests, ordered=False)
    except BulkWriteError as exc:
        # Two upserts of one entry raced and the other inserted it, which is the outcome
        # we want; a conflict on anything else (a modseq taken twice) is a real error.
        errors = exc.details.get("writeErrors", [])
        if exc.details.get("writeConcernErrors") or not errors:
            raise
        if any(e.get("code") != _DUPLICATE_KEY for e in errors):
            raise
        raced = [events[e["index"]].event_id for e in errors]
        found = await journal.count_documents({"id": {"$in": raced}})
        if found != len(set(raced)):
            raise
