"""Accounts, preferences and plans (F55, F58) on MongoDB; quota is the core's."""

from __future__ import annotations

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
from services.store.adapters.mongo_senders import (
    add_domain,
    identity_document,
    reaching,
)
from services.store.core import settings
from services.store.core.accounts import new_account
from services.store.core.directory import lookup_key, page_size
from shared.model import Account, Plan, Preferences
from shared.ports.mailbox import AccountExists, NotFound


async def create(db: Collections, address: str, password_hash: str) -> Account:
    """What the account has is the core's (`core.accounts.new_account`)."""
    new = new_account(address, password_hash, now_ms())
    account = new.account
    if await db.accounts.find_one(reaching(account.address), {"_id": True}) is not None:
        raise AccountExists(account.address)  # an account or an alias has the address
    await add_domain(db, new.domain, account.created_at)
    # Folders and identity first, account last: it becomes visible complete or not at all.
    await db.folders.insert_many(
        [{"_id": f.id, **folder_fields(f), "created": 0} for f in new.folders]
    )
    await db.identities.insert_one(identity_document(new.identity, account.created_at))
    try:
        await db.accounts.insert_one(
            {
                "_id": account.id,
                "address": account.address,
                "addresses": [account.address],  # with its aliases, unique across accounts
                "domain": new.domain,
                "password_hash": password_hash,
                "created_at": account.created_at,
                "modseq": 0,
                "uidvalidity": new.uidvalidity,
                "used_bytes": 0,
                "plan": None,
            }
        )
    except DuplicateKeyError:
        await db.folders.delete_many({"account_id": account.id})
        await db.identities.delete_many({"account_id": account.id})
        raise AccountExists(account.address) from None
    return account


async def first(db: Collections, domain: str | None) -> Account | None:
    query = {"domain": lookup_key(domain)} if domain else {}
    cursor = db.accounts.find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
    async for doc in cursor.limit(1):
        return account_of(doc)
    return None


async def page(db: Collections, after: str | None, limit: int) -> list[Account]:
    if (size := page_size(limit)) == 0:
        return []
    cursor = db.accounts.find({"_id": {"$gt": after or ""}}).sort("_id", ASCENDING).limit(size)
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
