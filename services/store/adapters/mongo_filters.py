"""Filters (F25-F27) on MongoDB: one document per account in `filters` (`_id` = account
id) whose `items` array holds the account's filters in order; a filter's position is its
index in the array, so positions are 0..n-1 by construction; where a filter goes is
`core.filter_order`'s rule. Each change is one compare-and-set of the document
(`mongo_lists`), so a crash or a concurrent change cannot leave a gap or a duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from services.store.adapters import mongo_lists
from services.store.adapters.mongo_documents import Doc
from services.store.adapters.mongo_schema import Collections
from services.store.core import filter_order
from shared.filters import Filter, FilterFields
from shared.ports.mailbox import NotFound

T = TypeVar("T")


async def listing(db: Collections, account_id: str) -> list[Filter]:
    return _filters(account_id, await mongo_lists.read(db.filters, account_id, "items"))


async def create(
    db: Collections, account_id: str, fields: FilterFields, position: int | None
) -> Filter:
    await _require_account(db, account_id)
    item = _item(fields)

    def insert(items: list[Doc]) -> tuple[list[Doc], int]:
        order, at = filter_order.inserted(_ids(items), item["id"], position)
        return _in_order([*items, item], order), at

    items, at = await _change(db, account_id, insert)
    return _filters(account_id, items)[at]


async def update(db: Collections, account_id: str, filter_id: str, fields: FilterFields) -> Filter:
    def replace_one(items: list[Doc]) -> tuple[list[Doc], int]:
        at = filter_order.position_of(_ids(items), filter_id)
        return [*items[:at], _item(fields, filter_id), *items[at + 1 :]], at

    items, at = await _change(db, account_id, replace_one)
    return _filters(account_id, items)[at]


async def delete(db: Collections, account_id: str, filter_id: str) -> None:
    def remove(items: list[Doc]) -> tuple[list[Doc], None]:
        return _in_order(items, filter_order.removed(_ids(items), filter_id)), None

    await _change(db, account_id, remove)


async def reorder(db: Collections, account_id: str, filter_ids: list[str]) -> list[Filter]:
    def order(items: list[Doc]) -> tuple[list[Doc], None]:
        return _in_order(items, filter_order.reordered(_ids(items), filter_ids)), None

    items, _ = await _change(db, account_id, order)
    return _filters(account_id, items)


async def replace(db: Collections, account_id: str, filters: list[FilterFields]) -> list[Filter]:
    await _require_account(db, account_id)
    new = [_item(f) for f in filters]
    items, _ = await _change(db, account_id, lambda _old: (new, None))
    return _filters(account_id, items)


async def _change(
    db: Collections, account_id: str, change: Callable[[list[Doc]], tuple[list[Doc], T]]
) -> tuple[list[Doc], T]:
    return await mongo_lists.change(db.filters, account_id, "items", change)


def _item(fields: FilterFields, filter_id: str | None = None) -> Doc:
    return {"id": filter_id or uuid.uuid4().hex, "fields": fields.model_dump(mode="json")}


def _ids(items: list[Doc]) -> list[str]:
    return [item["id"] for item in items]


def _in_order(items: list[Doc], order: list[str]) -> list[Doc]:
    by_id = {item["id"]: item for item in items}
    return [by_id[filter_id] for filter_id in order]


def _filters(account_id: str, items: list[Doc]) -> list[Filter]:
    return [
        Filter(
            id=item["id"],
            account_id=account_id,
            position=position,
            **FilterFields.model_validate(item["fields"]).model_dump(),
        )
        for position, item in enumerate(items)
    ]


async def _require_account(db: Collections, account_id: str) -> None:
    if await db.accounts.find_one({"_id": account_id}, {"_id": True}) is None:
        raise NotFound(f"account {account_id}")
