"""Who an account sends as (F5, F21, F22) on MongoDB: aliases, the right to send as
outside addresses, sender identities and the personal profile.

An account document's `addresses` holds its own address and its aliases, under a unique
index: one address reaches one account, whoever writes it first, with no check-then-act
race between an alias and a new account. The rules are the core's (`core.identities`,
`core.directory`); this is their documents.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.store.adapters.mongo_documents import (
    Doc,
    account_of,
    identity_doc,
    identity_of,
    now_ms,
)
from services.store.adapters.mongo_schema import Collections
from services.store.core import identities as rules
from services.store.core.directory import address_of, lookup_key
from shared.model import Account, Identity, IdentityFields, Profile
from shared.ports.mailbox import AccountExists, NotFound

_CREATED = [("created_at", ASCENDING), ("created_at_us", ASCENDING), ("_id", ASCENDING)]


def reaching(address: str) -> Doc:
    """A filter: the account whose address or one of whose aliases is `address`. (`address`
    covers documents a replica of an earlier release wrote during an upgrade.)"""
    return {"$or": [{"address": address}, {"addresses": address}]}


async def require_account(db: Collections, account_id: str) -> None:
    if await db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
        raise NotFound(f"account {account_id}")


# --- aliases and sending rights ------------------------------------------------------


async def by_address(db: Collections, address: str) -> Account | None:
    doc = await db.accounts.find_one(reaching(lookup_key(address)))
    return account_of(doc) if doc else None


async def add_alias(db: Collections, account_id: str, address: str) -> None:
    alias, domain = address_of(address)
    await require_account(db, account_id)
    if await db.accounts.find_one(reaching(alias), {"_id": True}) is not None:
        raise AccountExists(alias)
    await add_domain(db, domain, now_ms())
    try:  # the unique index settles a race with another alias or a new account
        added = await db.accounts.update_one(
            {"_id": account_id, "addresses": {"$ne": alias}}, {"$push": {"addresses": alias}}
        )
    except DuplicateKeyError:
        raise AccountExists(alias) from None
    if added.matched_count == 0:  # added to this account meanwhile
        raise AccountExists(alias)


async def add_domain(db: Collections, domain: str, at: datetime) -> None:
    with contextlib.suppress(DuplicateKeyError):  # a concurrent upsert created it: fine
        await db.domains.update_one(
            {"_id": domain}, {"$setOnInsert": {"created_at": at}}, upsert=True
        )


async def _addresses(db: Collections, account_id: str) -> Doc | None:
    return await db.accounts.find_one({"_id": account_id}, {"address": True, "addresses": True})


async def remove_alias(db: Collections, account_id: str, address: str) -> None:
    doc = await _addresses(db, account_id)
    own, found = (doc["address"], doc.get("addresses", [])) if doc else (None, [])
    alias = rules.alias_to_remove(own, found, address)
    removed = await db.accounts.update_one(  # unless removed meanwhile
        {"_id": account_id, "addresses": alias}, {"$pull": {"addresses": alias}}
    )
    if removed.matched_count == 0:
        raise NotFound(f"alias {address}")


async def aliases(db: Collections, account_id: str) -> list[str]:
    doc = await _addresses(db, account_id)
    if doc is None:
        raise NotFound(f"account {account_id}")
    return rules.listed_aliases(doc["address"], doc.get("addresses", []))


async def set_submission_blocked(db: Collections, account_id: str, blocked: bool) -> None:
    result = await db.accounts.update_one(
        {"_id": account_id}, {"$set": {"submission_blocked": blocked}}
    )
    if result.matched_count == 0:
        raise NotFound(f"account {account_id}")


async def set_external_senders(db: Collections, account_id: str, allowed: bool) -> None:
    result = await db.accounts.update_one(
        {"_id": account_id}, {"$set": {"external_senders": allowed}}
    )
    if result.matched_count == 0:
        raise NotFound(f"account {account_id}")


# --- profile -------------------------------------------------------------------------


async def profile(db: Collections, account_id: str) -> Profile:
    await require_account(db, account_id)
    doc = await db.profiles.find_one({"_id": account_id}, {"_id": False})
    return Profile.model_validate(doc) if doc else Profile()


async def set_profile(db: Collections, account_id: str, value: Profile) -> Profile:
    await require_account(db, account_id)
    # JSON mode: BSON has no plain date (the birthday), an ISO string round-trips.
    await db.profiles.replace_one(
        {"_id": account_id}, {"_id": account_id, **value.model_dump(mode="json")}, upsert=True
    )
    return value


# --- identities ----------------------------------------------------------------------


def primary_identity_doc(account: Account) -> Doc:
    return identity_document(rules.primary(account), account.created_at)


def identity_document(identity: Identity, created_at: datetime) -> Doc:
    """`created_at` orders an account's identities, oldest first."""
    return identity_doc(identity.id, identity.account_id, rules.fields_of(identity), created_at)


async def identities(db: Collections, account_id: str) -> list[Identity]:
    cursor = db.identities.find({"account_id": account_id}).sort(_CREATED)
    found = [identity_of(d) async for d in cursor]
    if not found:
        await require_account(db, account_id)
    return found


async def _identity_doc(db: Collections, account_id: str, identity_id: str) -> Doc:
    doc = await db.identities.find_one({"_id": identity_id, "account_id": account_id})
    if doc is None:
        raise NotFound(f"identity {identity_id}")
    return doc


async def identity(db: Collections, account_id: str, identity_id: str) -> Identity:
    return identity_of(await _identity_doc(db, account_id, identity_id))


async def create_identity(db: Collections, account_id: str, fields: IdentityFields) -> Identity:
    await require_account(db, account_id)
    created = rules.new_identity(account_id, fields)
    try:
        await db.identities.insert_one(identity_document(created, now_ms()))
    except DuplicateKeyError:
        raise rules.address_taken(created.address) from None
    return created


async def update_identity(
    db: Collections, account_id: str, identity_id: str, fields: IdentityFields
) -> Identity:
    await _identity_doc(db, account_id, identity_id)
    updated = rules.replaced(account_id, identity_id, fields)
    try:
        result = await db.identities.update_one(
            {"_id": identity_id, "account_id": account_id},
            {"$set": rules.fields_of(updated).model_dump()},
        )
    except DuplicateKeyError:
        raise rules.address_taken(updated.address) from None
    if result.matched_count == 0:  # deleted meanwhile
        raise NotFound(f"identity {identity_id}")
    return updated


async def delete_identity(db: Collections, account_id: str, identity_id: str) -> None:
    """Counted before and after: two deletes at once that would leave none put back the
    one they removed (the account is without identity for that moment only)."""
    doc = await _identity_doc(db, account_id, identity_id)
    count = await db.identities.count_documents({"account_id": account_id}, limit=2)
    if not rules.deletable(count):
        raise rules.last_identity()
    await db.identities.delete_one({"_id": identity_id, "account_id": account_id})
    left = await db.identities.count_documents({"account_id": account_id}, limit=1)
    if not rules.deletable(left + 1):  # a concurrent delete took the other
        with contextlib.suppress(DuplicateKeyError):
            await db.identities.insert_one(doc)
        raise rules.last_identity()
