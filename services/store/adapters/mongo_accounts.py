"""Accounts, preferences, plans and quota (F55, F58) on MongoDB."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import (
    Doc,
    account_of,
    folder_doc,
    now_ms,
    plan_doc,
    plan_of,
)
from services.store.adapters.mongo_folders import Tree
from services.store.adapters.mongo_schema import SORT_INDEXES, Collections
from services.store.adapters.mongo_senders import primary_identity_doc, reaching
from shared.addresses import split
from shared.events import derived_id
from shared.model import SYSTEM_FOLDERS, Account, Plan, Preferences, Quota
from shared.ports.mailbox import AccountExists, NotFound


async def create(db: Collections, address: str, password_hash: str) -> Account:
    local, domain = split(address)
    normalized = f"{local}@{domain}"
    if await db.accounts.find_one(reaching(normalized), {"_id": True}) is not None:
        raise AccountExists(normalized)  # an account or an alias has the address
    account = Account(
        id=uuid.uuid4().hex, address=normalized, password_hash=password_hash, created_at=now_ms()
    )
    with contextlib.suppress(DuplicateKeyError):  # a concurrent upsert created it: fine
        await db.domains.update_one(
            {"_id": domain}, {"$setOnInsert": {"created_at": account.created_at}}, upsert=True
        )
    # Folders and identity first, account last: it becomes visible complete or not at all.
    # Each folder its own UIDVALIDITY; the account keeps the last (`new_uidvalidity`).
    first = int(account.created_at.timestamp())
    await db.folders.insert_many(
        [
            folder_doc(derived_id(account.id, role.value), account.id, name, None, first + n, role)
            for n, (role, name) in enumerate(SYSTEM_FOLDERS.items())
        ]
    )
    await db.identities.insert_one(primary_identity_doc(account))
    try:
        await db.accounts.insert_one(
            {
                "_id": account.id,
                "address": normalized,
                "addresses": [normalized],  # with its aliases, unique across accounts
                "domain": domain,
                "password_hash": password_hash,
                "created_at": account.created_at,
                "modseq": 0,
                "uidvalidity": first + len(SYSTEM_FOLDERS) - 1,
                "plan": None,
            }
        )
    except DuplicateKeyError:
        await db.folders.delete_many({"account_id": account.id})
        await db.identities.delete_many({"account_id": account.id})
        raise AccountExists(normalized) from None
    return account


async def first(db: Collections, domain: str | None) -> Account | None:
    query = {"domain": domain.strip().lower()} if domain else {}
    cursor = db.accounts.find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
    async for doc in cursor.limit(1):
        return account_of(doc)
    return None


async def page(db: Collections, after: str | None, limit: int) -> list[Account]:
    if limit <= 0:  # pymongo reads limit(0) as "no limit"
        return []
    cursor = db.accounts.find({"_id": {"$gt": after or ""}}).sort("_id", ASCENDING).limit(limit)
    return [account_of(d) async for d in cursor]


async def _account(db: Collections, account_id: str) -> Doc:
    doc = await db.accounts.find_one({"_id": account_id}, {"plan": True})
    if doc is None:
        raise NotFound(f"account {account_id}")
    return doc


async def preferences(db: Collections, account_id: str) -> Preferences:
    await _account(db, account_id)
    doc = await db.preferences.find_one({"_id": account_id}, {"_id": False})
    return Preferences.model_validate(doc) if doc else Preferences()


async def set_preferences(db: Collections, account_id: str, prefs: Preferences) -> Preferences:
    await _account(db, account_id)
    await db.preferences.replace_one(
        {"_id": account_id}, {"_id": account_id, **prefs.model_dump()}, upsert=True
    )
    return prefs


async def set_plan(db: Collections, plan: Plan) -> Plan:
    await db.plans.replace_one({"_id": plan.name}, plan_doc(plan), upsert=True)
    return plan


async def plans(db: Collections) -> list[Plan]:
    return [plan_of(d) async for d in db.plans.find().sort("_id", ASCENDING)]


async def account_plan(db: Collections, account_id: str) -> Plan | None:
    return await _plan(db, await _account(db, account_id))


async def assign_plan(db: Collections, account_id: str, plan_name: str | None) -> None:
    await _account(db, account_id)
    if plan_name is not None and await db.plans.find_one({"_id": plan_name}) is None:
        raise NotFound(f"plan {plan_name}")
    await db.accounts.update_one({"_id": account_id}, {"$set": {"plan": plan_name}})


async def quota(db: Collections, account_id: str) -> Quota:
    """Used bytes are the sizes of the account's messages (a copy counts again, though it
    shares the blob: the user sees two messages), summed on the covering size index."""
    account = await _account(db, account_id)
    tree, sizes, plan = await asyncio.gather(
        Tree.load(db, account_id), _bytes_by_folder(db, account_id), _plan(db, account)
    )
    area = set(tree.trash_area())
    return Quota(
        plan=account.get("plan"),
        used_bytes=sum(sizes.values()),
        trash_bytes=sum(n for folder_id, n in sizes.items() if folder_id in area),
        limit_bytes=plan.storage_bytes if plan else None,
    )


async def _plan(db: Collections, account: Doc) -> Plan | None:
    if not account.get("plan"):
        return None
    doc = await db.plans.find_one({"_id": account["plan"]})
    return plan_of(doc) if doc else None


async def _bytes_by_folder(db: Collections, account_id: str) -> dict[str, int]:
    cursor = await db.messages.aggregate(
        [
            {"$match": {"account_id": account_id}},
            {"$group": {"_id": "$folder_id", "bytes": {"$sum": "$size"}}},
        ],
        hint=SORT_INDEXES["size"],
    )
    return {row["_id"]: int(row["bytes"]) async for row in cursor}
