"""Tags (F50) on MongoDB, within `TagLimits`, and changes of flags and tags at once.

A change of tags costs what it changes: each message is read, and if its flags or tags
change written, once, with one journal entry (see `mongo_journal`), however many tags the
change names. Without transactions, the whole change is checked first (sizes, the
account's tags, what each message would carry), so that a refused change writes nothing;
then each message is written guarded by the tags it was read with, and one that changed
meanwhile is read again and its change worked out anew.
"""

from __future__ import annotations

import uuid

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.store.adapters import mongo_changes
from services.store.adapters.mongo_documents import NOT_REMOVING, Doc, pending, tag_of
from services.store.adapters.mongo_journal import (
    allocate_modseqs,
    change_message,
    heal,
    settle_messages,
)
from services.store.adapters.mongo_listing import tag
from services.store.adapters.mongo_schema import Collections
from shared.events import ChangeKind
from shared.model import DEFAULT_TAG_COLOR, FlagChange, Tag, TagChange, TagLimits, tag_name
from shared.ports.mailbox import Conflict, LimitExceeded, NotFound, kept_name, resolve_tags

_CHUNK = 500
_TRIES = 5  # a message changed by others this often while being written is left as it is


async def listing(db: Collections, account_id: str) -> list[Tag]:
    cursor = db.tags.find({"account_id": account_id}).sort("name", ASCENDING)
    return [tag_of(d) async for d in cursor]


async def _room(db: Collections, account_id: str, wanted: int, limits: TagLimits) -> None:
    """Refuse `wanted` more tags past the account's bound. Two writers at once may pass
    it by a little: the bound keeps accounts small, it is no quota to the unit."""
    count = await db.tags.count_documents({"account_id": account_id})
    if count + wanted > limits.per_account:
        raise LimitExceeded(f"an account has at most {limits.per_account} tags ({count} now)")


async def create(db: Collections, account_id: str, name: str, color: str, limits: TagLimits) -> Tag:
    name = kept_name(tag_name, name)
    if await db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
        raise NotFound(f"account {account_id}")
    if await db.tags.find_one({"account_id": account_id, "name": name}, {"_id": True}):
        raise Conflict(f"a tag named {name!r} exists")
    await _room(db, account_id, 1, limits)
    made = Tag(id=uuid.uuid4().hex, account_id=account_id, name=name, color=color)
    try:
        await db.tags.insert_one(
            {"_id": made.id, "account_id": account_id, "name": name, "color": color}
        )
    except DuplicateKeyError as exc:
        raise Conflict(f"a tag named {name!r} exists") from exc
    return made


async def delete(db: Collections, account_id: str, tag_id: str) -> None:
    """Off every message first (however many: a tag can always go), then the tag: a crash
    between leaves the tag, and deleting it again finishes the work."""
    name = (await tag(db, account_id, tag_id)).name
    carrying = db.messages.find({"account_id": account_id, "tags": name}, {"_id": 1})
    ids = [d["_id"] async for d in carrying]
    await _apply(db, account_id, ids, {}, TagChange(remove=[name]))
    await db.tags.delete_one({"_id": tag_id, "account_id": account_id})


async def apply(
    db: Collections, account_id: str, ids: list[str], tag_id: str, add: bool, limits: TagLimits
) -> list[str]:
    name = (await tag(db, account_id, tag_id)).name
    tags = TagChange(add=[name]) if add else TagChange(remove=[name])
    return await change(db, account_id, ids, FlagChange(), tags, limits)


async def change(
    db: Collections,
    account_id: str,
    ids: list[str],
    flags: FlagChange,
    tags: TagChange,
    limits: TagLimits,
) -> list[str]:
    """`MailboxStore.change_flags`."""
    if refusal := limits.too_large(len(ids), tags):
        raise LimitExceeded(refusal)
    wanted = {name: value for name, value in flags.model_dump().items() if value is not None}
    if not tags.named and tags.replace is None:
        return await mongo_changes.set_flags(db, account_id, ids, flags)
    resolved, new = resolve_tags(tags, {t.name for t in await listing(db, account_id)})
    if new:
        await _room(db, account_id, len(new), limits)
    await _check_growth(db, account_id, ids, resolved, limits)
    for name in new:
        try:
            await db.tags.insert_one(
                {
                    "_id": uuid.uuid4().hex,
                    "account_id": account_id,
                    "name": name,
                    "color": DEFAULT_TAG_COLOR,
                }
            )
        except DuplicateKeyError:
            pass  # made meanwhile: the same tag
    return await _apply(db, account_id, ids, wanted, resolved)


async def _check_growth(
    db: Collections, account_id: str, ids: list[str], tags: TagChange, limits: TagLimits
) -> None:
    """Refuse the change, before anything is written, if a message would come to carry
    more tags than it may."""
    for start in range(0, len(ids), _CHUNK):
        where = {"_id": {"$in": ids[start : start + _CHUNK]}, "account_id": account_id}
        async for doc in db.messages.find(where, {"tags": True}):
            before = doc.get("tags", [])
            if refusal := limits.too_many(before, tags.apply(before)):
                raise LimitExceeded(refusal)


def _update(doc: Doc, wanted: dict[str, bool], tags: TagChange) -> Doc:
    """The fields of `doc` the change sets ({} when it changes nothing)."""
    fields: Doc = {name: value for name, value in wanted.items() if doc.get(name) != value}
    before = doc.get("tags", [])
    after = tags.apply(before)
    if after != before:
        fields["tags"] = after
    return fields


async def _apply(
    db: Collections,
    account_id: str,
    ids: list[str],
    wanted: dict[str, bool],
    tags: TagChange,
) -> list[str]:
    await heal(db, account_id)
    fields = ["tags", *wanted]
    changed: list[str] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        where = {"_id": {"$in": chunk}, "account_id": account_id, **NOT_REMOVING}
        found = {d["_id"]: d async for d in db.messages.find(where, dict.fromkeys(fields, True))}
        plan = [
            (doc, update)
            for doc in (found[i] for i in chunk if i in found)
            if (update := _update(doc, wanted, tags))
        ]
        if not plan:
            continue
        first = await allocate_modseqs(db, account_id, len(plan))
        docs = []
        for n, (doc, update) in enumerate(plan):
            after = await _write(db, account_id, doc, update, first + n, wanted, tags)
            if after is not None:
                docs.append(after)
        await settle_messages(db, docs)
        changed += [d["_id"] for d in docs]
    return changed


async def _write(
    db: Collections,
    account_id: str,
    doc: Doc,
    update: Doc,
    modseq: int,
    wanted: dict[str, bool],
    tags: TagChange,
) -> Doc | None:
    """Write one message's change, guarded by the tags it was read with; read it again
    and work its change out anew if another change came first."""
    for _ in range(_TRIES):
        where = {"_id": doc["_id"], "account_id": account_id, "tags": doc.get("tags", [])}
        if "tags" not in doc:
            where["tags"] = {"$exists": False}
        mark = pending(ChangeKind.MESSAGE_UPDATED, modseq)
        after = await change_message(db, where, {"$set": update}, mark)
        if after is not None:
            return after
        fresh = await db.messages.find_one(
            {"_id": doc["_id"], "account_id": account_id, **NOT_REMOVING},
            dict.fromkeys(["tags", *wanted], True),
        )
        if fresh is None:
            return None  # gone meanwhile
        doc, update = fresh, _update(fresh, wanted, tags)
        if not update:
            return None  # another change did it
        modseq = await allocate_modseqs(db, account_id, 1)
    return None
