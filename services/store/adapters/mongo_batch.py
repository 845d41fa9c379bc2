"""One `Batch` of the mailbox core, applied as one multi-document transaction.

The first write of the transaction is the precondition: the account document moves from
`expect_modseq` to `modseq` only if it is still at `expect_modseq`. A batch built from an
older snapshot matches nothing and is refused with `Stale`; one racing another
transaction on the same account document meets a write conflict, which is `Stale` too (no
write of it lands). So the account's batches commit one after the other, each journaling
the modseqs after the previous one's: for every account, journal order is commit order.

The transaction reads at snapshot isolation and commits with write concern majority, so
an acknowledged change survives the loss of the primary. It needs a replica set (or a
sharded cluster); `ensure_transactions` refuses a standalone server at start-up.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from pymongo import AsyncMongoClient, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import ReadPreference
from pymongo.write_concern import WriteConcern

from services.store.adapters.mongo_documents import (
    Doc,
    copy_doc,
    entry_doc,
    folder_fields,
    message_doc,
    now_ms,
    time_fields,
)
from services.store.adapters.mongo_schema import Collections
from services.store.core.backend import Batch, MessagePatch, Stale
from shared.ports.errors import Unusable
from shared.ports.mailbox import Conflict

_TRANSIENT = "TransientTransactionError"
_UNKNOWN_COMMIT = "UnknownTransactionCommitResult"
_MAX_TIME_EXPIRED = 50
_DUPLICATE_KEY = 11000
_WRITE_CONFLICT = 112
_COMMIT_RETRY_SECONDS = 60.0  # retrying a commit whose outcome is unknown, at most
_FLAGS = ("unread", "flagged", "deleted", "answered", "draft")


class NotAReplicaSet(Unusable):
    """The server cannot run multi-document transactions: the store needs a replica set."""


async def ensure_transactions(client: AsyncMongoClient[Doc]) -> None:
    """Refuse a standalone mongod: the store writes every change in one transaction."""
    hello = await client.admin.command("hello")
    if hello.get("setName") or hello.get("msg") == "isdbgrid":  # replica set, or mongos
        return
    raise NotAReplicaSet(
        "MongoDB answers as a standalone server, but the mailbox store writes each change"
        " in a transaction, which needs a replica set: start mongod with --replSet (a"
        " single-node replica set will do) and initiate it (rs.initiate())"
    )


async def apply(client: AsyncMongoClient[Doc], db: Collections, batch: Batch) -> None:
    # Leaving the session aborts a transaction not committed, whatever ended it.
    async with client.start_session() as session:
        await session.start_transaction(
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern(w="majority", j=True),
            read_preference=ReadPreference.PRIMARY,
        )
        try:
            await _writes(db, batch, session)
        except PyMongoError as exc:
            if exc.has_error_label(_TRANSIENT) or _write_conflict(exc):
                # A write conflict (another transaction on the account), a lost primary:
                # nothing of the batch landed, and the core reads again.
                raise Stale(str(exc)) from exc
            raise
        await _commit(session)


async def _commit(session: AsyncClientSession) -> None:
    """Commit; retry while the outcome is unknown (committing twice is safe: the server
    answers the retry with the first outcome)."""
    deadline = time.monotonic() + _COMMIT_RETRY_SECONDS
    while True:
        try:
            await session.commit_transaction()
            return
        except PyMongoError as exc:
            unknown = exc.has_error_label(_UNKNOWN_COMMIT) and not (
                isinstance(exc, OperationFailure) and exc.code == _MAX_TIME_EXPIRED
            )
            if unknown and time.monotonic() < deadline:
                continue
            if exc.has_error_label(_TRANSIENT):
                raise Stale(str(exc)) from exc
            raise


async def _writes(db: Collections, batch: Batch, s: AsyncClientSession) -> None:
    """In the order the port gives: the account, folders whole, the messages, the
    removals (folders children first, after their messages), tags, the journal."""
    account_id = batch.account_id
    order = await _advance(db, batch, s)
    mine: Doc = {"account_id": account_id}
    if batch.folders:
        await _folders(db, batch, s)
    try:
        if batch.inserted:
            docs = [message_doc(row) for row in batch.inserted]
            await db.messages.insert_many(docs, session=s)
        if batch.copied:
            await _copies(db, batch, s)
        if batch.patched:
            requests = [
                UpdateOne({"_id": p.message_id, **mine}, {"$set": patch_fields(p)})
                for p in batch.patched
            ]
            await db.messages.bulk_write(requests, session=s)
        if batch.removed:
            await db.messages.delete_many({"_id": {"$in": batch.removed}, **mine}, session=s)
        if batch.folders_removed:
            where = {"_id": {"$in": batch.folders_removed}, **mine}
            await db.folders.delete_many(where, session=s)
        if batch.tags_added:
            tags = [
                {"_id": t.id, "account_id": t.account_id, "name": t.name, "color": t.color}
                for t in batch.tags_added
            ]
            await db.tags.insert_many(tags, session=s)
        if batch.tags_removed:
            await db.tags.delete_many({"_id": {"$in": batch.tags_removed}, **mine}, session=s)
        if batch.journal:
            entries = [entry_doc(event, order) for event in batch.journal]
            await db.journal.insert_many(entries, session=s)
    except (DuplicateKeyError, BulkWriteError) as exc:
        if not _duplicate(exc):
            raise
        # A message of that event, a tag of that name made by a change this batch's
        # snapshot did not see: read again (the retry finds them).
        raise Stale(str(exc)) from exc
    if batch.released_blobs:
        await _orphans(db, batch.released_blobs, s)


def _write_conflict(exc: PyMongoError) -> bool:
    """A write conflict, whether the server reports it for the command or, in a bulk
    write, for one of its requests."""
    if not isinstance(exc, OperationFailure):
        return False
    if exc.code == _WRITE_CONFLICT:
        return True
    errors = (exc.details or {}).get("writeErrors", [])
    return any(e.get("code") == _WRITE_CONFLICT for e in errors)


def _duplicate(exc: DuplicateKeyError | BulkWriteError) -> bool:
    """A unique index refused the write (a bulk write reports it per request)."""
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = exc.details.get("writeErrors", [])
    return bool(errors) and all(e.get("code") == _DUPLICATE_KEY for e in errors)


async def _advance(db: Collections, batch: Batch, s: AsyncClientSession) -> datetime:
    """The precondition and the account's counters, in one write; returns the journal
    time of the batch: the server's clock, past the account's previous one."""
    changes: Doc = {
        "modseq": batch.modseq,
        "used_bytes": {"$add": [{"$ifNull": ["$used_bytes", 0]}, batch.used_bytes_delta]},
        "journal_at": {
            "$max": ["$$NOW", {"$add": [{"$ifNull": ["$journal_at", {"$toDate": 0}]}, 1]}]
        },
    }
    if batch.uidvalidity is not None:
        changes["uidvalidity"] = batch.uidvalidity
    doc = await db.accounts.find_one_and_update(
        {"_id": batch.account_id, "modseq": batch.expect_modseq},
        [{"$set": changes}],
        projection={"journal_at": True},
        return_document=ReturnDocument.AFTER,
        session=s,
    )
    if doc is None:
        raise Stale(f"account {batch.account_id} is past modseq {batch.expect_modseq}")
    written: datetime = doc["journal_at"]
    return written


async def _folders(db: Collections, batch: Batch, s: AsyncClientSession) -> None:
    """Each folder written whole, counters and `uidnext` included (the precondition makes
    that safe); `created` set once, at insert: the listing's order of user folders."""
    requests = [
        UpdateOne(
            {"_id": f.id, "account_id": batch.account_id},
            {"$set": folder_fields(f), "$setOnInsert": {"created": batch.modseq}},
            upsert=True,
        )
        for f in batch.folders
    ]
    try:
        await db.folders.bulk_write(requests, session=s)
    except (DuplicateKeyError, BulkWriteError) as exc:
        if not _duplicate(exc):
            raise
        # Sibling names (by `name_key`): the core checked them on its snapshot.
        raise Conflict("a folder of that name exists there") from exc


async def _copies(db: Collections, batch: Batch, s: AsyncClientSession) -> None:
    wanted = list(dict.fromkeys(row.source_id for row in batch.copied))
    found = db.messages.find({"_id": {"$in": wanted}, "account_id": batch.account_id}, session=s)
    sources = {d["_id"]: d async for d in found}
    if len(sources) != len(wanted):
        raise Stale("a message to copy is gone")
    copies = [
        copy_doc(sources[row.source_id], row.message_id, row.folder_id, row.uid, row.modseq)
        for row in batch.copied
    ]
    await db.messages.insert_many(copies, session=s)


def patch_fields(patch: MessagePatch) -> Doc:
    """Only what the patch changes: the rest of the document stays as it is."""
    fields: Doc = {"modseq": patch.modseq}
    if patch.folder_id is not None:
        fields["folder_id"] = patch.folder_id
    if patch.uid is not None:
        fields["uid"] = patch.uid
    for name in _FLAGS:
        if (value := getattr(patch, name)) is not None:
            fields[name] = value
    if patch.tags is not None:
        fields["tags"] = patch.tags
    if patch.comment is not None or patch.set_comment:
        fields["comment"] = patch.comment or None
    if patch.receipt is not None:
        fields["receipt"] = patch.receipt
    if patch.clear_trashed:
        fields.update(trashed_from=None, trashed_at=None, trashed_at_us=0)
    else:
        if patch.trashed_from is not None:
            fields["trashed_from"] = patch.trashed_from
        if patch.trashed_at is not None:
            fields.update(time_fields("trashed_at", patch.trashed_at))
    return fields


async def _orphans(db: Collections, released: Sequence[str], s: AsyncClientSession) -> None:
    """List the released blobs no message refers to after the batch; `settle_orphan`
    checks again (uploads too) before a blob goes."""
    wanted = sorted(set(released))
    used = set(await db.messages.distinct("blob_id", {"blob_id": {"$in": wanted}}, session=s))
    orphans = [b for b in wanted if b not in used]
    if orphans:
        since = now_ms()
        requests = [
            UpdateOne({"_id": b}, {"$setOnInsert": {"since": since}}, upsert=True) for b in orphans
        ]
        await db.orphan_blobs.bulk_write(requests, session=s)
