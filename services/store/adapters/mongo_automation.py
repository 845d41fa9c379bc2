"""Automation state (F24, F48, F56, F57) on MongoDB: things done once per account, the SMS
credit used per month, and the pending read receipts (settling one is a change of the
messages, made by the mailbox core).

Each decision is one conditional single-document write: a claim is an insert under a
unique id (or an update guarded by its age), a debit an `$inc` guarded by the credit
left, so of concurrent callers exactly one is told to act. What those guards say is
`core.automation`'s rule.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from services.store.adapters import mongo_accounts
from services.store.adapters.mongo_documents import Doc, read_time, time_fields
from services.store.adapters.mongo_schema import Collections
from services.store.core import automation as rules
from shared.events import derived_id
from shared.model import Address, ReceiptRequest


def _not_after(name: str, when: datetime) -> Doc:
    """A filter: the time stored as `time_fields(name, …)` is at or before `when`, to the µs."""
    bound = time_fields(name, when)
    millis, micros = bound[name], bound[f"{name}_us"]
    return {"$or": [{name: {"$lt": millis}}, {name: millis, f"{name}_us": {"$lte": micros}}]}


# --- things done once ------------------------------------------------------------------
async def claim_once(
    db: Collections, account_id: str, key: str, now: datetime, every: timedelta | None
) -> bool:
    await mongo_accounts.account_plan(db, account_id)  # NotFound for an unknown account
    mark_id = derived_id(account_id, "once", key)
    lapsed = rules.lapsed_by(now, every)
    if lapsed is not None:
        renewed = await db.once_marks.find_one_and_update(
            {"_id": mark_id, **_not_after("at", lapsed)},
            {"$set": time_fields("at", now)},
            projection={"_id": True},
        )
        if renewed is not None:
            return True
    try:
        await db.once_marks.insert_one(
            {"_id": mark_id, "account_id": account_id, "key": key, **time_fields("at", now)}
        )
    except DuplicateKeyError:  # claimed before (and, with `every`, too recently)
        return False
    return True


async def release_once(db: Collections, account_id: str, prefix: str) -> int:
    # An anchored, escaped pattern: the prefix literally, and the (account, key) index used.
    where = {"account_id": account_id, "key": {"$regex": f"^{re.escape(prefix)}"}}
    return (await db.once_marks.delete_many(where)).deleted_count


# --- SMS credit --------------------------------------------------------------------------
async def debit_sms(db: Collections, account_id: str, parts: int, now: datetime) -> bool:
    plan = await mongo_accounts.account_plan(db, account_id)  # NotFound for an unknown one
    debit = rules.sms_debit(plan, parts, now)
    if not debit.possible:
        return False
    usage_id = derived_id(account_id, "sms", debit.month)
    try:
        await db.sms_usage.update_one(
            {"_id": usage_id},
            {"$setOnInsert": {"account_id": account_id, "month": debit.month, "parts": 0}},
            upsert=True,
        )
    except DuplicateKeyError:  # two first debits of the month: the other one created it
        pass
    where: Doc = {"_id": usage_id}
    if debit.most_used is not None:
        where["parts"] = {"$lte": debit.most_used}
    result = await db.sms_usage.update_one(where, {"$inc": {"parts": parts}})
    return result.matched_count == 1


async def sms_used(db: Collections, account_id: str, now: datetime) -> int:
    await mongo_accounts.account_plan(db, account_id)  # NotFound for an unknown account
    doc = await db.sms_usage.find_one({"_id": derived_id(account_id, "sms", rules.month_of(now))})
    return int(doc["parts"]) if doc else 0


# --- read receipts -----------------------------------------------------------------------
async def receipt_requests(db: Collections, account_id: str) -> list[ReceiptRequest]:
    cursor = db.messages.find(
        {"account_id": account_id, "receipt": "pending"},
        {
            "folder_id": True,
            "receipt_to": True,
            "subject": True,
            "sender": True,
            "received_at": True,
            "received_at_us": True,
            "message_id_header": True,
        },
    )
    return rules.one_per_message(
        [
            (
                doc.get("message_id_header"),
                ReceiptRequest(
                    message_id=doc["_id"],
                    folder_id=doc["folder_id"],
                    to=doc["receipt_to"],
                    subject=doc["subject"],
                    sender=Address(**doc["sender"]) if doc.get("sender") else None,
                    received_at=read_time(doc, "received_at"),
                ),
            )
            async for doc in cursor
        ]
    )
