"""A list kept in one document per account (`_id` = account id), changed by
compare-and-set: filters in order (`mongo_filters`), recent searches (`mongo_searches`).

Without transactions, a list kept as one document per item could be left half changed by
a crash or a concurrent change between two writes. As one document, each change is one
atomic write: it reads the list and its `version`, lets the core's rule decide the new
list, and writes it only if `version` is still the one it read, retrying otherwise. A
document written before it had a `version` matches `version: null`, and `$inc` starts
it. Every read and write is by `_id`: no secondary index is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import Doc

T = TypeVar("T")
_ATTEMPTS = 20  # compare-and-set rounds before giving up (only under heavy contention)


async def read(collection: AsyncCollection[Doc], account_id: str, field: str) -> list[Any]:
    doc = await collection.find_one({"_id": account_id}, {field: True})
    return list(doc.get(field, [])) if doc else []


async def change(
    collection: AsyncCollection[Doc],
    account_id: str,
    field: str,
    decide: Callable[[list[Any]], tuple[list[Any], T]],
) -> tuple[list[Any], T]:
    """Apply `decide` to the account's list atomically and give the list written with
    what `decide` said; `decide` may raise (NotFound, Refused) to leave the list as it is."""
    for _ in range(_ATTEMPTS):
        doc = await collection.find_one({"_id": account_id})
        new, result = decide(list(doc.get(field, [])) if doc else [])
        if doc is None:
            try:
                await collection.insert_one({"_id": account_id, field: new, "version": 1})
            except DuplicateKeyError:
                continue  # created meanwhile: read it again
            return new, result
        written = await collection.update_one(
            {"_id": account_id, "version": doc.get("version")},
            {"$set": {field: new}, "$inc": {"version": 1}},
        )
        if written.matched_count == 1:
            return new, result
    raise RuntimeError(f"{collection.name} of {account_id}: too many concurrent changes")
