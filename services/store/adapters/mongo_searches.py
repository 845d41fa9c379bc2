"""Recent searches (F32) on MongoDB: one document per account (`_id` = account id) whose
`queries` array holds the newest first.

Remembering a search is one update of that document, so it is atomic: a pipeline
(MongoDB 4.2+) drops the query from the array, puts it first and keeps the `keep`
newest. The classic operators cannot say that in one update — `$pull` and `$push` on the
same array conflict — and as two updates, two requests remembering the same query at
once could each pull, then each push, and leave it twice. A retry of the pipeline is
harmless: it gives the same array again.
"""

from __future__ import annotations

from typing import Any

from services.store.adapters.mongo_schema import Collections
from shared.ports.mailbox import NotFound


def remember_update(query: str, keep: int) -> list[dict[str, Any]]:
    """The update pipeline that puts `query` first, once, and keeps `keep` queries."""
    # `$literal`: inside a pipeline a string starting with "$" would be read as a field.
    others = {
        "$filter": {
            "input": {"$ifNull": ["$queries", []]},
            "cond": {"$ne": ["$$this", {"$literal": query}]},
        }
    }
    first = {"$literal": [query]}
    return [{"$set": {"queries": {"$slice": [{"$concatArrays": [first, others]}, keep]}}}]


async def remember(db: Collections, account_id: str, query: str, keep: int) -> None:
    if await db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
        raise NotFound(f"account {account_id}")
    if keep <= 0:  # keeping none is forgetting them all
        await db.searches.delete_one({"_id": account_id})
        return
    await db.searches.update_one({"_id": account_id}, remember_update(query, keep), upsert=True)


async def recent(db: Collections, account_id: str) -> list[str]:
    doc = await db.searches.find_one({"_id": account_id}, {"queries": True})
    return list(doc.get("queries", [])) if doc else []


async def subscriptions(db: Collections, account_id: str) -> list[str]:
    """IMAP subscriptions: the `subscriptions` array of the account's document."""
    doc = await db.accounts.find_one({"_id": account_id}, {"subscriptions": True})
    return sorted(doc.get("subscriptions", [])) if doc else []


async def set_subscribed(db: Collections, account_id: str, name: str, subscribed: bool) -> None:
    update = {"$addToSet" if subscribed else "$pull": {"subscriptions": name}}
    result = await db.accounts.update_one({"_id": account_id}, update)
    if result.matched_count == 0:
        raise NotFound(f"account {account_id}")
