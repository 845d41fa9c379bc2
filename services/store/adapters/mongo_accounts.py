"""Accounts, preferences and plans (F55, F58) on MongoDB; quota is the core's."""

from __future__ import annotations

import contextlib
import uuid

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import (
    Doc,
    account_of,
    folder_fields,
    now_ms,
    plan_doc,
    plan_of,
)
from services.store.adapters.mongo_schema import Collections
from services.store.adapters.mongo_senders import primary_identity_doc, reaching
from services.store.core import settings
from services.store.core.accounts import system_folders
from shared.mail.addresses import split
from shared.model import Account, Plan, Preferences
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
    # Which folders, and their UIDVALIDITY, is the core's rule.
    folders, uidvalidity = system_folders(account.id, account.created_at.timestamp())
    await db.folders.insert_many([{"_id": f.id, **folder_fields(f), "created": 0} for f in folders])
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
                "uidvalidity": uidvalidity,
                "used_bytes": 0,
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
    return settings.plans_listed([plan_of(d) async for d in db.plans.find()])


async def account_plan(db: Collections, account_id: str) -> Plan | None:
    return await _plan(db, await _account(db, account_id))


async def assign_plan(db: Collections, account_id: str, plan_name: str | None) -> None:
    await _account(db, account_id)
    found = await db.plans.find_one({"_id": plan_name}) if plan_name is not None else None
    chosen = settings.assignable(plan_name, plan_of(found) if found else None)
    await db.accounts.update_one({"_id": account_id}, {"$set": {"plan": chosen}})


async def _plan(db: Collections, account: Doc) -> Plan | None:
    if not account.get("plan"):
        return None
    doc = await db.plans.find_one({"_id": account["plan"]})
    return plan_of(doc) if doc else None
