"""Recent searches (F32) and IMAP subscriptions on MongoDB.

Recent searches: one document per account in `searches` (`_id` = account id) whose
`queries` array holds the newest first. Which queries are kept is the core's rule
(`core.settings.remembered`); remembering one is a compare-and-set of that document
(`mongo_lists`), so two requests remembering the same query at once leave it once. The
queries are values, never read as operators, so one starting with "$" stays as typed.
"""

from __future__ import annotations

from services.store.adapters import mongo_lists
from services.store.adapters.mongo_schema import Collections
from services.store.core import settings
from shared.ports.mailbox import NotFound


async def remember(db: Collections, account_id: str, query: str, keep: int) -> None:
    if await db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
        raise NotFound(f"account {account_id}")
    await mongo_lists.change(
        db.searches,
        account_id,
        "queries",
        lambda recent: (settings.remembered(recent, query, keep), None),
    )


async def recent(db: Collections, account_id: str) -> list[str]:
    return await mongo_lists.read(db.searches, account_id, "queries")


async def subscriptions(db: Collections, account_id: str) -> list[str]:
    """IMAP subscriptions: the `subscriptions` array of the account's document."""
    doc = await db.accounts.find_one({"_id": account_id}, {"subscriptions": True})
    return settings.subscription_list(doc.get("subscriptions", []) if doc else [])


async def set_subscribed(db: Collections, account_id: str, name: str, subscribed: bool) -> None:
    update = {"$addToSet" if subscribed else "$pull": {"subscriptions": name}}
    result = await db.accounts.update_one({"_id": account_id}, update)
    if result.matched_count == 0:
        raise NotFound(f"account {account_id}")
