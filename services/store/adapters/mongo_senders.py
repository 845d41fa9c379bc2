"""Who an account sends as (F5, F21, F22) on MongoDB: aliases, the right to send as
outside addresses, sender identities and the personal profile.

An account document's `addresses` holds its own address and its aliases, under a unique
index: one address reaches one account, whoever writes it first, with no check-then-act
race between an alias and a new account.
"""

from __future__ import annotations

import contextlib
import uuid

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
from shared.events import derived_id
from shared.mail.addresses import split
from shared.model import Account, Identity, IdentityFields, Profile
from shared.ports.mailbox import AccountExists, Conflict, NotFound, Refused

_CREATED = [("created_at", ASCENDING), ("created_at_us", ASCENDING), ("_id", ASCENDING)]


def reaching(address: str) -> Doc:
    """A filter: the account whose address or one of whose aliases is `address`. (`address`
    covers documents a replica of an earlier release wrote during an upgrade.)"""
    return {"$or": [{"address": address}, {"addresses": address}]}


async def _require_account(db: Collections, account_id: str) -> None:
    if await db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
        raise NotFound(f"account {account_id}")


# --- aliases and sending rights ------------------------------------------------------


async def by_address(db: Collections, address: str) -> Account | None:
    doc = await db.accounts.find_one(reaching(address.strip().lower()))
    return account_of(doc) if doc else None


async def add_alias(db: Collections, account_id: str, address: str) -> None:
    local, domain = split(address)
    alias = f"{local}@{domain}"
    await _require_account(db, account_id)
    if await db.accounts.find_one(reaching(alias), {"_id": True}) is not None:
        raise AccountExists(alias)
    with contextlib.suppress(DuplicateKeyError):  # a concurrent upsert created it: fine
        await db.domains.update_one(
            {"_id": domain}, {"$setOnInsert": {"created_at": now_ms()}}, upsert=True
        )
    try:  # the unique index settles a race with another alias or a new account
        added = await db.accounts.update_one(
            {"_id": account_id, "addresses": {"$ne": alias}}, {"$push": {"addresses": alias}}
        )
    except DuplicateKeyError:
        raise AccountExists(alias) from None
    if added.matched_count == 0:  # added to this account meanwhile
        raise AccountExists(alias)


async def remove_alias(db: Collections, account_id: str, address: str) -> None:
    alias = address.strip().lower()
    removed = await db.accounts.update_one(
        {"_id": account_id, "addresses": alias, "address": {"$ne": alias}},
        {"$pull": {"addresses": alias}},
    )
    if removed.matched_count == 0:
        raise NotFound(f"alias {address}")


async def aliases(db: Collections, account_id: str) -> list[str]:
    doc = await db.accounts.find_one({"_id": account_id}, {"address": True, "addresses": True})
    if doc is None:
        raise NotFound(f"account {account_id}")
    return sorted(a for a in doc.get("addresses", []) if a != doc["address"])


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
    await _require_account(db, account_id)
    doc = await db.profiles.find_one({"_id": account_id}, {"_id": False})
    return Profile.model_validate(doc) if doc else Profile()


async def set_profile(db: Collections, account_id: str, value: Profile) -> Profile:
    await _require_account(db, account_id)
    # JSON mode: BSON has no plain date (the birthday), an ISO string round-trips.
    await db.profiles.replace_one(
        {"_id": account_id}, {"_id": account_id, **value.model_dump(mode="json")}, upsert=True
    )
    return value


# --- identities ----------------------------------------------------------------------


def _normalized(fields: IdentityFields) -> IdentityFields:
    return fields.model_copy(update={"address": fields.address.strip().lower()})


def primary_identity_doc(account: Account) -> Doc:
    """The identity every account starts with: its own address, no display name."""
    fields = IdentityFields(address=account.address)
    return identity_doc(derived_id(account.id, "identity"), account.id, fields, account.created_at)


async def identities(db: Collections, account_id: str) -> list[Identity]:
    cursor = db.identities.find({"account_id": account_id}).sort(_CREATED)
    found = [identity_of(d) async for d in cursor]
    if not found:
        await _require_account(db, account_id)
    return found


async def _identity_doc(db: Collections, account_id: str, identity_id: str) -> Doc:
    doc = await db.identities.find_one({"_id": identity_id, "account_id": account_id})
    if doc is None:
        raise NotFound(f"identity {identity_id}")
    return doc


async def identity(db: Collections, account_id: str, identity_id: str) -> Identity:
    return identity_of(await _identity_doc(db, account_id, identity_id))


async def create_identity(db: Collections, account_id: str, fields: IdentityFields) -> Identity:
    await _require_account(db, account_id)
    fields = _normalized(fields)
    doc = identity_doc(uuid.uuid4().hex, account_id, fields, now_ms())
    try:
        await db.identities.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"an identity with the address {fields.address} exists") from None
    return identity_of(doc)


async def update_identity(
    db: Collections, account_id: str, identity_id: str, fields: IdentityFields
) -> Identity:
    await _identity_doc(db, account_id, identity_id)
    fields = _normalized(fields)
    try:
        result = await db.identities.update_one(
            {"_id": identity_id, "account_id": account_id}, {"$set": fields.model_dump()}
        )
    except DuplicateKeyError:
        raise Conflict(f"an identity with the address {fields.address} exists") from None
    if result.matched_count == 0:  # deleted meanwhile
        raise NotFound(f"identity {identity_id}")
    return Identity(id=identity_id, account_id=account_id, **fields.model_dump())


async def delete_identity(db: Collections, account_id: str, identity_id: str) -> None:
    """Counted before and after: two deletes at once that would leave none put back the
    one they removed (the account is without identity for that moment only)."""
    doc = await _identity_doc(db, account_id, identity_id)
    if await db.identities.count_documents({"account_id": account_id}, limit=2) < 2:
        raise Refused("the last identity of an account cannot be deleted")
    await db.identities.delete_one({"_id": identity_id, "account_id": account_id})
    if await db.identities.count_documents({"account_id": account_id}, limit=1) == 0:
        with contextlib.suppress(DuplicateKeyError):
            await db.identities.insert_one(doc)
        raise Refused("the last identity of an account cannot be deleted")
