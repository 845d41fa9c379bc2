"""Finishing, at the upgrade, the changes the release before transactions left half done.

That release wrote a change in single-document steps: the document with a `pending` mark
(kind, modseq, origin, time), then the journal entry, then it cleared the mark (or, for a
removal, deleted the document). A crash between the steps left the mark, which its next
change of the account or the relay finished. This does the same once, for every account,
before the layout of version 5 is computed: the entry is upserted under the id that
release derived (so one it wrote is not written twice), then the mark goes.
"""

from __future__ import annotations

from pymongo import UpdateOne

from services.store.adapters.mongo_documents import (
    Doc,
    entry_doc,
    now_ms,
    summary_of,
)
from services.store.adapters.mongo_schema import Collections
from shared.events import ChangeKind, MailboxChanged, derived_id
from shared.model import Folder, FolderRole

_REMOVED = {ChangeKind.MESSAGE_REMOVED.value, ChangeKind.FOLDER_REMOVED.value}
_HAS_MARK: Doc = {"pending": {"$exists": True}}


def _entry(doc: Doc, **what: object) -> MailboxChanged:
    mark = doc["pending"]
    kind, modseq = ChangeKind(mark["kind"]), int(mark["modseq"])
    return MailboxChanged(
        event_id=derived_id(doc["_id"], kind.value, str(modseq)),
        account_id=doc["account_id"],
        modseq=modseq,
        kind=kind,
        previous_folder_id=mark.get("previous_folder_id"),
        at=mark["at"],
        **what,  # type: ignore[arg-type]
    )


async def _journal(db: Collections, events: list[MailboxChanged]) -> None:
    if events:
        await db.journal.bulk_write(
            [
                UpdateOne({"id": e.event_id}, {"$setOnInsert": entry_doc(e, e.at)}, upsert=True)
                for e in events
            ],
            ordered=False,
        )


async def settle_pending(db: Collections) -> None:
    messages = await db.messages.find(_HAS_MARK, {"headers": False}).to_list()
    await _journal(
        db,
        [
            _entry(
                d,
                message_id=d["_id"],
                folder_id=d["folder_id"],
                message=None if d["pending"]["kind"] in _REMOVED else summary_of(d),
            )
            for d in messages
        ],
    )
    gone = [d for d in messages if d["pending"]["kind"] in _REMOVED]
    if gone:
        blobs = sorted({d["blob_id"] for d in gone})
        await db.messages.delete_many({"_id": {"$in": [d["_id"] for d in gone]}})
        used = set(await db.messages.distinct("blob_id", {"blob_id": {"$in": blobs}}))
        since = now_ms()
        for blob_id in (b for b in blobs if b not in used):
            await db.orphan_blobs.update_one(
                {"_id": blob_id}, {"$setOnInsert": {"since": since}}, upsert=True
            )
    await db.messages.update_many(_HAS_MARK, {"$unset": {"pending": ""}})
    folders = await db.folders.find(_HAS_MARK).to_list()
    events = []
    for doc in folders:
        where = {"account_id": doc["account_id"], "folder_id": doc["_id"]}
        total = await db.messages.count_documents(where)
        unread = await db.messages.count_documents({**where, "unread": True})
        folder = Folder(
            id=doc["_id"],
            account_id=doc["account_id"],
            name=doc["name"],
            role=FolderRole(doc["role"]) if doc.get("role") else None,
            parent_id=doc.get("parent_id"),
            total=total,
            unread=unread,
            uidvalidity=doc.get("uidvalidity", 1),
            uidnext=doc.get("uidnext", 1),
        )
        events.append(_entry(doc, folder_id=doc["_id"], folder=folder))
    await _journal(db, events)
    removed = [d["_id"] for d in folders if d["pending"]["kind"] in _REMOVED]
    if removed:
        await db.folders.delete_many({"_id": {"$in": removed}})
    await db.folders.update_many(_HAS_MARK, {"$unset": {"pending": ""}})
