"""Idempotency keys of the HTTP API on MongoDB: one document per account and key (`_id`
derived from both), so of concurrent requests with one key exactly one inserts the claim
and the others read it. What a claim gets is `core.idempotency`'s rule."""

from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import Doc, earlier_than, time_fields
from services.store.adapters.mongo_schema import Collections
from services.store.adapters.mongo_senders import require_account
from services.store.core.idempotency import StoredClaim, claimed
from shared.events import derived_id
from shared.model import IdempotencyClaim
from shared.ports.mailbox import Conflict


def _id(account_id: str, key: str) -> str:
    return derived_id(account_id, "idempotency", key)


async def claim(
    db: Collections,
    account_id: str,
    key: str,
    digest: str,
    event_id: str,
    now: datetime,
    expired_before: datetime,
) -> IdempotencyClaim:
    await require_account(db, account_id)
    await db.idempotency_keys.delete_many(
        {"account_id": account_id, **earlier_than("created_at", expired_before)}
    )
    doc: Doc = {
        "_id": _id(account_id, key),
        "account_id": account_id,
        "digest": digest,
        "event_id": event_id,
        "answer": None,
        **time_fields("created_at", now),
    }
    existing: Doc | None = None
    for _ in range(2):  # again if a claim seen a moment ago was released meanwhile
        try:
            await db.idempotency_keys.insert_one(doc)
            return claimed(None, digest, event_id)
        except DuplicateKeyError:  # claimed before, or a moment ago by a concurrent request
            existing = await db.idempotency_keys.find_one({"_id": doc["_id"]})
        if existing is not None:
            break
    if existing is None:
        raise Conflict("the key is being used by another request")
    stored = StoredClaim(existing["digest"], existing["event_id"], existing.get("answer"))
    return claimed(stored, digest, event_id)


async def answer(db: Collections, account_id: str, key: str, text: str) -> None:
    await db.idempotency_keys.update_one({"_id": _id(account_id, key)}, {"$set": {"answer": text}})


async def release(db: Collections, account_id: str, key: str) -> None:
    await db.idempotency_keys.delete_one({"_id": _id(account_id, key), "answer": None})
