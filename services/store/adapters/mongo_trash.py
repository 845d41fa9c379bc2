"""Emptying and purging Trash (F38, F40), and making room for new mail in a full account.

Each is a sequence of removals that can stop anywhere: messages go before their folders,
children before parents, so what a crash leaves is still in Trash, still consistent, and
the next run (or the periodic purge) takes it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.store.adapters import mongo_accounts, mongo_changes, mongo_folders
from services.store.adapters.mongo_changes import remove_in
from services.store.adapters.mongo_documents import Doc, earlier_than, optional_time
from services.store.adapters.mongo_folders import Tree
from services.store.adapters.mongo_schema import Collections
from shared.model import Removal


def _merge(total: Removal, part: Removal) -> None:
    total.message_ids += part.message_ids
    total.folder_ids += part.folder_ids
    total.freed_bytes += part.freed_bytes


async def remove_subtrees(db: Collections, account_id: str, tree: Tree, tops: list[str]) -> Removal:
    """Remove folders for good, with everything below and in them."""
    removal = Removal()
    for top in tops:
        subtree = [top, *tree.descendants(top)]
        _merge(removal, await remove_in(db, account_id, {"folder_id": {"$in": subtree}}))
        removed = await mongo_folders.remove(db, account_id, subtree)
        # A message moved into one of them meanwhile would be left without a folder.
        _merge(removal, await remove_in(db, account_id, {"folder_id": {"$in": removed}}))
        removal.folder_ids += removed
    return removal


async def empty(db: Collections, account_id: str) -> Removal:
    tree = await Tree.load(db, account_id)
    removal = await remove_in(db, account_id, {"folder_id": tree.trash})
    _merge(removal, await remove_subtrees(db, account_id, tree, tree.children.get(tree.trash, [])))
    return removal


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


async def purge(db: Collections, account_id: str, older_than: datetime) -> Removal:
    """Messages in Trash by when they were trashed (arrival if they were moved there), and
    the folders deleted into Trash before `older_than` with all they hold."""
    cutoff = _utc(older_than)
    tree = await Tree.load(db, account_id)
    expired = {
        "folder_id": tree.trash,
        "$or": [
            earlier_than("trashed_at", cutoff),
            {"trashed_at": None, **earlier_than("received_at", cutoff)},
        ],
    }
    removal = await remove_in(db, account_id, expired)
    tops = [
        folder_id
        for folder_id in tree.children.get(tree.trash, [])
        if (when := optional_time(tree.docs[folder_id], "trashed_at")) is not None and when < cutoff
    ]
    _merge(removal, await remove_subtrees(db, account_id, tree, tops))
    return removal


async def make_room(db: Collections, account_id: str, needed: int) -> Removal:
    """Remove Trash messages, oldest trashed first, until `needed` more bytes fit."""
    quota = await mongo_accounts.quota(db, account_id)
    if quota.limit_bytes is None:
        return Removal()
    excess = quota.used_bytes + needed - quota.limit_bytes
    if excess <= 0:
        return Removal()
    tree = await Tree.load(db, account_id)
    fields = ("size", "trashed_at", "trashed_at_us", "received_at", "received_at_us", "folder_id")
    where = {"folder_id": {"$in": tree.trash_area()}}
    found = db.messages.find({"account_id": account_id, **where}, dict.fromkeys(fields, True))
    candidates = await found.to_list()

    def trashed(doc: Doc) -> tuple[datetime, str]:
        folder = tree.docs.get(str(doc["folder_id"]), {})
        when = (
            optional_time(doc, "trashed_at")
            or optional_time(folder, "trashed_at")
            or optional_time(doc, "received_at")
        )
        assert when is not None  # every message has its arrival time
        return when, str(doc["_id"])

    chosen: list[str] = []
    for doc in sorted(candidates, key=trashed):
        if excess <= 0:
            break
        chosen.append(doc["_id"])
        excess -= int(doc["size"])
    return await mongo_changes.remove(db, account_id, chosen, where)
