"""The folder tree (F35-F37): reading it, and the rules of every change to it.

Sibling names are unique regardless of case: checked on the tree read first, for the
error, and by a unique index on `name_key`, for two writers racing. A folder cannot be
moved into its own subtree; two moves racing each other could still close a loop (no
transaction spans both checks), so every walk of the tree here stops at a folder it has
seen already.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import (
    Doc,
    folder_doc,
    folder_of,
    folder_order,
    optional_time,
    pending,
    time_fields,
)
from services.store.adapters.mongo_journal import (
    allocate_modseqs,
    change_folder,
    folder_counts,
    heal,
    settle_folders,
)
from services.store.adapters.mongo_schema import Collections
from shared.events import ChangeKind
from shared.model import MAX_FOLDER_DEPTH, NO_SUBFOLDERS, Folder, FolderRole, folder_name
from shared.ports.mailbox import Conflict, NotFound, Refused, kept_name

MAX_UIDVALIDITY = 2**32 - 1  # a non-zero 32-bit number (RFC 9051 §2.3.1.1)
_RENAME_TRIES = 20  # names tried for a folder deleted into a Trash holding its name


class Tree:
    """An account's folders, read once for the checks of one operation."""

    def __init__(self, docs: list[Doc]) -> None:
        self.docs = {d["_id"]: d for d in docs}
        self.by_role = {d["role"]: d["_id"] for d in docs if d.get("role")}
        self.children: dict[str, list[str]] = {}
        for d in docs:
            if d.get("parent_id") is not None:
                self.children.setdefault(d["parent_id"], []).append(d["_id"])

    @classmethod
    async def load(cls, db: Collections, account_id: str) -> Tree:
        return cls(await db.folders.find({"account_id": account_id}).to_list())

    def get(self, folder_id: str) -> Doc:
        doc = self.docs.get(folder_id)
        if doc is None:
            raise NotFound(f"folder {folder_id}")
        return doc

    def role(self, role: FolderRole) -> str:
        folder_id = self.by_role.get(role.value)
        if folder_id is None:
            raise NotFound(f"folder {role.value}")
        return str(folder_id)

    @property
    def trash(self) -> str:
        return self.role(FolderRole.TRASH)

    def ancestors(self, folder_id: str) -> list[str]:
        out: list[str] = []
        parent = self.docs[folder_id].get("parent_id")
        while parent is not None and parent not in out and parent in self.docs:
            out.append(parent)
            parent = self.docs[parent].get("parent_id")
        return out

    def descendants(self, folder_id: str) -> list[str]:
        """Every folder below `folder_id`, parents before children."""
        out: list[str] = []
        seen = {folder_id}
        queue = list(self.children.get(folder_id, []))
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            out.append(current)
            queue.extend(self.children.get(current, []))
        return out

    def in_trash(self, folder_id: str) -> bool:
        """Trash itself, or a folder somewhere inside it."""
        return folder_id == self.trash or self.trash in self.ancestors(folder_id)

    def trash_area(self) -> list[str]:
        return [self.trash, *self.descendants(self.trash)]

    def sibling_named(self, parent_id: str | None, name: str) -> str | None:
        key = name.casefold()
        for folder_id in self._siblings(parent_id):
            doc = self.docs[folder_id]
            if doc.get("name_key", doc["name"].casefold()) == key:
                return folder_id
        return None

    def _siblings(self, parent_id: str | None) -> list[str]:
        if parent_id is None:
            return [i for i, d in self.docs.items() if d.get("parent_id") is None]
        return self.children.get(parent_id, [])

    def listing(self, counts: dict[str, list[int]]) -> list[Folder]:
        def unread_below(folder_id: str) -> bool:
            return any(counts.get(d, [0, 0])[1] > 0 for d in self.descendants(folder_id))

        folders = (folder_of(d, counts, unread_below(i)) for i, d in self.docs.items())
        return sorted(folders, key=folder_order)


async def listing(db: Collections, account_id: str) -> list[Folder]:
    tree, counts = await asyncio.gather(Tree.load(db, account_id), folder_counts(db, account_id))
    return tree.listing(counts)


async def one(db: Collections, account_id: str, folder_id: str) -> Folder:
    for folder in await listing(db, account_id):
        if folder.id == folder_id:
            return folder
    raise NotFound(f"folder {folder_id}")


def clean_name(name: str) -> str:
    return kept_name(folder_name, name)


async def new_uidvalidity(db: Collections, account_id: str) -> int:
    """A UIDVALIDITY the account never gave (RFC 9051 §2.3.1.1): the clock second, or
    one more than the last given when that is later (Dovecot's way), so a folder deleted
    and made again within a second gets a new one."""
    last = {"$ifNull": ["$uidvalidity", 0]}
    doc = await db.accounts.find_one_and_update(
        {"_id": account_id},
        [{"$set": {"uidvalidity": {"$max": [int(time.time()), {"$add": [last, 1]}]}}}],
        projection={"uidvalidity": True},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise NotFound(f"account {account_id}")
    value = int(doc["uidvalidity"])
    if value > MAX_UIDVALIDITY:
        raise Refused("this account has used up its folder identities (UIDVALIDITY)")
    return value


def _check_parent(tree: Tree, parent_id: str | None, height: int = 1) -> None:
    """Whether a folder (with `height` levels of subfolders and itself) may go there."""
    if parent_id is None:
        return
    parent = tree.get(parent_id)
    if len(tree.ancestors(parent_id)) + 1 + height > MAX_FOLDER_DEPTH:
        raise Refused(f"folders nest at most {MAX_FOLDER_DEPTH} levels deep")
    if parent.get("role") in {role.value for role in NO_SUBFOLDERS}:
        raise Refused(f"no subfolders under {parent['name']}")
    if tree.in_trash(parent_id):
        raise Refused("no folders can be made inside Trash")


def _height(tree: Tree, folder_id: str) -> int:
    """Levels of a folder and its subfolders: 1 for a folder without any."""
    base = len(tree.ancestors(folder_id))
    return 1 + max((len(tree.ancestors(d)) - base for d in tree.descendants(folder_id)), default=0)


def _user_folder(tree: Tree, folder_id: str) -> Doc:
    doc = tree.get(folder_id)
    if doc.get("role"):
        raise Refused(f"{doc['name']} is a system folder")
    return doc


async def _snapshot(db: Collections, doc: Doc) -> Folder:
    """A folder that did not change, as the operation returns it."""
    return await one(db, doc["account_id"], doc["_id"])


async def create(db: Collections, account_id: str, name: str, parent_id: str | None) -> Folder:
    await heal(db, account_id)
    tree = await Tree.load(db, account_id)
    name = clean_name(name)
    _check_parent(tree, parent_id)
    if tree.sibling_named(parent_id, name):
        raise Conflict(f"a folder named {name!r} exists there")
    modseq = await allocate_modseqs(db, account_id, 1)
    uidvalidity = await new_uidvalidity(db, account_id)
    doc = folder_doc(uuid.uuid4().hex, account_id, name, parent_id, uidvalidity)
    doc.update(modseq=modseq, pending=pending(ChangeKind.FOLDER_CHANGED, modseq))
    try:
        await db.folders.insert_one(doc)
    except DuplicateKeyError as exc:
        raise Conflict(f"a folder named {name!r} exists there") from exc
    return (await settle_folders(db, [doc]))[0]


async def _change(db: Collections, doc: Doc, fields: Doc, name: str) -> Folder:
    """Write a change of a user folder (its `fields`), journaled as folder.changed."""
    modseq = await allocate_modseqs(db, doc["account_id"], 1)
    where = {"_id": doc["_id"], "account_id": doc["account_id"], "role": None}
    try:
        changed = await change_folder(
            db, where, {"$set": fields}, pending(ChangeKind.FOLDER_CHANGED, modseq)
        )
    except DuplicateKeyError as exc:
        raise Conflict(f"a folder named {name!r} exists there") from exc
    if changed is None:  # removed meanwhile
        raise NotFound(f"folder {doc['_id']}")
    return (await settle_folders(db, [changed]))[0]


async def rename(db: Collections, account_id: str, folder_id: str, name: str) -> Folder:
    await heal(db, account_id)
    tree = await Tree.load(db, account_id)
    doc = _user_folder(tree, folder_id)
    name = clean_name(name)
    other = tree.sibling_named(doc.get("parent_id"), name)
    if other and other != folder_id:
        raise Conflict(f"a folder named {name!r} exists there")
    if doc["name"] == name:
        return await _snapshot(db, doc)
    return await _change(db, doc, {"name": name, "name_key": name.casefold()}, name)


async def move(db: Collections, account_id: str, folder_id: str, parent_id: str | None) -> Folder:
    await heal(db, account_id)
    tree = await Tree.load(db, account_id)
    doc = _user_folder(tree, folder_id)
    if parent_id == folder_id or parent_id in tree.descendants(folder_id):
        raise Refused("a folder cannot move into itself or one of its subfolders")
    _check_parent(tree, parent_id, _height(tree, folder_id))
    if doc.get("parent_id") == parent_id:
        return await _snapshot(db, doc)
    if tree.sibling_named(parent_id, doc["name"]):
        raise Conflict(f"a folder named {doc['name']!r} exists there")
    # Out of Trash, if it was there: it is no longer waiting to be purged.
    fields = {"parent_id": parent_id, "trashed_at": None, "trashed_at_us": 0}
    return await _change(db, doc, fields, doc["name"])


async def to_trash(db: Collections, account_id: str, folder_id: str) -> Folder:
    """Move a user folder (subfolders and messages with it) into Trash, renaming it if
    Trash already holds one of that name."""
    await heal(db, account_id)
    for _ in range(_RENAME_TRIES):
        tree = await Tree.load(db, account_id)
        doc = _user_folder(tree, folder_id)
        if doc.get("parent_id") == tree.trash:
            return await _snapshot(db, doc)
        name = _free_name(tree, tree.trash, doc["name"])
        fields = {
            "parent_id": tree.trash,
            "name": name,
            "name_key": name.casefold(),
            **time_fields("trashed_at", datetime.now(UTC)),
        }
        try:
            return await _change(db, doc, fields, name)
        except Conflict:
            continue  # another folder took the name meanwhile: look again
    raise Conflict(f"no free name in Trash for {folder_id}")


def _free_name(tree: Tree, parent_id: str, name: str) -> str:
    candidate, n = name, 2
    while tree.sibling_named(parent_id, candidate):
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def trashed_at(doc: Doc) -> datetime | None:
    return optional_time(doc, "trashed_at")


async def remove(db: Collections, account_id: str, folder_ids: list[str]) -> list[str]:
    """Delete folders for good, children first (their messages are already gone); returns
    those this call removed."""
    if not folder_ids:
        return []
    first = await allocate_modseqs(db, account_id, len(folder_ids))
    removed: set[str] = set()
    for n, folder_id in enumerate(reversed(folder_ids)):
        mark = pending(ChangeKind.FOLDER_REMOVED, first + n)
        where = {"_id": folder_id, "account_id": account_id, "role": None}
        doc = await change_folder(db, where, {}, mark)
        if doc is not None:
            await settle_folders(db, [doc])
            removed.add(folder_id)
    return [f for f in folder_ids if f in removed]
