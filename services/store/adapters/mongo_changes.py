"""Changing, copying and removing messages (F38-F40, F50, F51).

Each changed message gets its own modseq and journal entry (see `mongo_journal`). Every
change is guarded by the state it changes from (a flag not yet set, a folder not yet
left), so repeating an operation finds nothing to change and journals nothing. Large
selections go in chunks, each with its modseqs and UIDs reserved in one write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from pymongo import ASCENDING

from services.store.adapters.mongo_documents import (
    NOT_REMOVING,
    Doc,
    copy_doc,
    earlier_than,
    pending,
    time_fields,
)
from services.store.adapters.mongo_folders import Tree
from services.store.adapters.mongo_journal import (
    allocate_modseqs,
    allocate_uids,
    change_message,
    heal,
    settle_messages,
)
from services.store.adapters.mongo_schema import DATE_INDEX, Collections
from shared.events import ChangeKind
from shared.model import FlagChange, FolderRole, Removal, Selection
from shared.ports.mailbox import NotFound

_CHUNK = 500  # messages a step reads or reserves modseqs for at once
_COPY_CHUNK = 50  # copies are whole documents, bodies included
_NOT_TRASHED = {"trashed_from": None, "trashed_at": None, "trashed_at_us": 0}


def _chunks(ids: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def select(db: Collections, account_id: str, selection: Selection) -> list[str]:
    """Ids in the order given (duplicates and unknown ids dropped), or a folder's oldest
    first."""
    if selection.message_ids is not None:
        wanted = list(dict.fromkeys(selection.message_ids))
        found: set[str] = set()
        for chunk in _chunks(wanted):
            cursor = db.messages.find(
                {"_id": {"$in": chunk}, "account_id": account_id}, {"_id": True}
            )
            found.update([d["_id"] async for d in cursor])
        return [m for m in wanted if m in found]
    assert selection.folder_id is not None  # Selection allows nothing else
    await require_folder(db, account_id, selection.folder_id)
    where: Doc = {"account_id": account_id, "folder_id": selection.folder_id}
    if selection.before is not None:
        where.update(earlier_than("date", selection.before))
    cursor = (
        db.messages.find(where, {"_id": True})
        .sort([("date", ASCENDING), ("date_us", ASCENDING), ("_id", ASCENDING)])
        .hint(DATE_INDEX)
    )
    return [d["_id"] async for d in cursor]


async def require_folder(db: Collections, account_id: str, folder_id: str) -> None:
    if await db.folders.find_one({"_id": folder_id, "account_id": account_id}, {"_id": 1}) is None:
        raise NotFound(f"folder {folder_id}")


async def _current(
    db: Collections, account_id: str, ids: list[str], guard: Doc, fields: list[str] | None
) -> list[Doc]:
    """The messages among `ids` that match `guard`, in the order of `ids`."""
    projection = None if fields is None else dict.fromkeys(fields, True)
    where = {"_id": {"$in": ids}, "account_id": account_id, **guard, **NOT_REMOVING}
    found = {d["_id"]: d async for d in db.messages.find(where, projection)}
    return [found[i] for i in ids if i in found]


async def _each(
    db: Collections, account_id: str, ids: list[str], guard: Doc, update: Doc
) -> list[str]:
    """Apply `update` to each message that still matches `guard`; returns those changed."""
    await heal(db, account_id)
    changed: list[str] = []
    for chunk in _chunks(ids):
        current = await _current(db, account_id, chunk, guard, ["_id"])
        if not current:
            continue
        first = await allocate_modseqs(db, account_id, len(current))
        docs = []
        for n, doc in enumerate(current):
            where = {"_id": doc["_id"], "account_id": account_id, **guard}
            mark = pending(ChangeKind.MESSAGE_UPDATED, first + n)
            if (after := await change_message(db, where, update, mark)) is not None:
                docs.append(after)
        await settle_messages(db, docs)
        changed += [d["_id"] for d in docs]
    return changed


async def set_flags(
    db: Collections, account_id: str, ids: list[str], change: FlagChange
) -> list[str]:
    wanted = {name: value for name, value in change.model_dump().items() if value is not None}
    if not wanted:
        return []
    guard = {"$or": [{name: {"$ne": value}} for name, value in wanted.items()]}
    return await _each(db, account_id, ids, guard, {"$set": wanted})


async def set_receipt(db: Collections, account_id: str, ids: list[str], state: str) -> list[str]:
    """Move pending read receipts to `state` (RFC 8098); one already settled is left."""
    return await _each(db, account_id, ids, {"receipt": "pending"}, {"$set": {"receipt": state}})


async def set_comment(
    db: Collections, account_id: str, message_id: str, comment: str | None
) -> None:
    found = await db.messages.find_one({"_id": message_id, "account_id": account_id}, {"_id": 1})
    if found is None:
        raise NotFound(f"message {message_id}")
    value = comment or None
    await _each(
        db, account_id, [message_id], {"comment": {"$ne": value}}, {"$set": {"comment": value}}
    )


async def move(
    db: Collections,
    account_id: str,
    ids: list[str],
    destination: Callable[[Doc], str | None],
    extra: Callable[[Doc], Doc] = lambda _doc: {},
) -> list[str]:
    """Move each message to `destination(message)` (None: leave it), with a new UID there
    and the fields `extra(message)`. Returns the ids moved."""
    await heal(db, account_id)
    moved: list[str] = []
    for chunk in _chunks(ids):
        current = await _current(db, account_id, chunk, {}, ["folder_id", "trashed_from"])
        plan = [
            (d, dest) for d in current if (dest := destination(d)) not in (None, d["folder_id"])
        ]
        if not plan:
            continue
        first = await allocate_modseqs(db, account_id, len(plan))
        uids = await _reserve_uids(db, account_id, [dest for _, dest in plan if dest])
        docs = []
        for n, (doc, dest) in enumerate(plan):
            assert dest is not None
            origin = doc["folder_id"]
            where = {"_id": doc["_id"], "account_id": account_id, "folder_id": origin}
            update = {"$set": {"folder_id": dest, "uid": next(uids[dest]), **extra(doc)}}
            mark = pending(ChangeKind.MESSAGE_UPDATED, first + n, previous_folder_id=origin)
            if (after := await change_message(db, where, update, mark)) is not None:
                docs.append(after)
        await settle_messages(db, docs)
        moved += [d["_id"] for d in docs]
    return moved


async def _reserve_uids(
    db: Collections, account_id: str, destinations: list[str]
) -> dict[str, Iterator[int]]:
    uids: dict[str, Iterator[int]] = {}
    for folder_id in dict.fromkeys(destinations):
        count = destinations.count(folder_id)
        first = await allocate_uids(db, account_id, folder_id, count)
        uids[folder_id] = iter(range(first, first + count))
    return uids


async def move_to(db: Collections, account_id: str, ids: list[str], folder_id: str) -> list[str]:
    await require_folder(db, account_id, folder_id)
    return await move(db, account_id, ids, lambda _doc: folder_id)


async def copy(db: Collections, account_id: str, ids: list[str], folder_id: str) -> list[str]:
    """Copy into a folder: same blob, new ids and UIDs; returns the new ids in order."""
    await heal(db, account_id)
    copied: list[str] = []
    for chunk in _chunks(ids, _COPY_CHUNK):
        sources = await _current(db, account_id, chunk, {}, None)
        if not sources:
            continue
        first = await allocate_modseqs(db, account_id, len(sources))
        uid = await allocate_uids(db, account_id, folder_id, len(sources))
        copies = [
            copy_doc(source, uuid.uuid4().hex, folder_id, uid + n, first + n)
            for n, source in enumerate(sources)
        ]
        await db.messages.insert_many(copies)
        await settle_messages(db, copies)
        copied += [c["_id"] for c in copies]
    return copied


async def trash(db: Collections, account_id: str, ids: list[str]) -> list[str]:
    """Move to Trash what is outside it, remembering where from; remove for good what is
    already inside. Returns the ids moved, then the ids removed."""
    tree = await Tree.load(db, account_id)
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        where = {"_id": {"$in": chunk}, "account_id": account_id}
        found.update(
            {d["_id"]: d["folder_id"] async for d in db.messages.find(where, {"folder_id": 1})}
        )
    inside = [i for i in ids if i in found and tree.in_trash(found[i])]
    outside = [i for i in ids if i in found and not tree.in_trash(found[i])]
    trashed_at = time_fields("trashed_at", datetime.now(UTC))
    moved = await move(
        db,
        account_id,
        outside,
        lambda _doc: tree.trash,
        lambda doc: {"trashed_from": doc["folder_id"], **trashed_at},
    )
    in_trash = {"folder_id": {"$in": tree.trash_area()}}
    return moved + (await remove(db, account_id, inside, in_trash)).message_ids


async def restore(db: Collections, account_id: str, ids: list[str]) -> list[str]:
    """Out of Trash, to where each message came from; to Inbox if that folder is gone or is
    itself in Trash."""
    tree = await Tree.load(db, account_id)
    inbox = tree.role(FolderRole.INBOX)

    def destination(doc: Doc) -> str | None:
        if not tree.in_trash(doc["folder_id"]):
            return None
        origin = doc.get("trashed_from")
        if origin is None or origin not in tree.docs or tree.in_trash(origin):
            return inbox
        return str(origin)

    return await move(db, account_id, ids, destination, lambda _doc: dict(_NOT_TRASHED))


async def remove(
    db: Collections, account_id: str, ids: list[str], scope: Doc | None = None
) -> Removal:
    """Remove messages for good: journal, record blobs left without a message, delete.
    `scope` narrows the removal to messages still matching it (still in Trash, say)."""
    await heal(db, account_id)
    scope = scope or {}
    removal = Removal()
    for chunk in _chunks(ids):
        current = await _current(db, account_id, chunk, scope, ["_id"])
        if not current:
            continue
        first = await allocate_modseqs(db, account_id, len(current))
        docs = []
        for n, doc in enumerate(current):
            where = {"_id": doc["_id"], "account_id": account_id, **scope}
            mark = pending(ChangeKind.MESSAGE_REMOVED, first + n)
            if (after := await change_message(db, where, {}, mark)) is not None:
                docs.append(after)
        await settle_messages(db, docs)
        removal.message_ids += [d["_id"] for d in docs]
        removal.freed_bytes += sum(int(d["size"]) for d in docs)
    return removal


async def total_size(db: Collections, account_id: str, ids: list[str]) -> int:
    size = 0
    for chunk in _chunks(ids):
        where = {"_id": {"$in": chunk}, "account_id": account_id}
        size += sum([int(d["size"]) async for d in db.messages.find(where, {"size": True})])
    return size


async def remove_in(db: Collections, account_id: str, where: Doc) -> Removal:
    """Remove for good the account's messages matching `where` (checked again as each goes,
    so one moved out meanwhile stays)."""
    where = {"account_id": account_id, **where}
    ids = [d["_id"] async for d in db.messages.find(where, {"_id": True})]
    return await remove(db, account_id, ids, where)
