"""Filters (F25-F27) on SQLite: a filter is a row (id, account, position, the
FilterFields as JSON). Where a filter goes is `core.filter_order`'s rule; every change
that moves filters rewrites the positions of the account's list it gives in one
transaction, so they stay 0..n-1.
"""

from __future__ import annotations

import sqlite3
import uuid

from services.store.core import filter_order
from shared.filters import Filter, FilterFields
from shared.ports.mailbox import NotFound


def listing(conn: sqlite3.Connection, account_id: str) -> list[Filter]:
    return [
        _filter(r)
        for r in conn.execute(
            "SELECT * FROM filters WHERE account_id = ? ORDER BY position, id", (account_id,)
        )
    ]


def create(
    conn: sqlite3.Connection, account_id: str, fields: FilterFields, position: int | None
) -> Filter:
    _require_account(conn, account_id)
    filter_id = uuid.uuid4().hex
    order, at = filter_order.inserted(_ids(conn, account_id), filter_id, position)
    conn.execute(
        "INSERT INTO filters(id, account_id, position, fields) VALUES (?, ?, ?, ?)",
        (filter_id, account_id, at, fields.model_dump_json()),
    )
    _number(conn, order)
    return get(conn, account_id, filter_id)


def update(
    conn: sqlite3.Connection, account_id: str, filter_id: str, fields: FilterFields
) -> Filter:
    filter_order.position_of(_ids(conn, account_id), filter_id)
    conn.execute(
        "UPDATE filters SET fields = ? WHERE id = ?", (fields.model_dump_json(), filter_id)
    )
    return get(conn, account_id, filter_id)


def delete(conn: sqlite3.Connection, account_id: str, filter_id: str) -> None:
    order = filter_order.removed(_ids(conn, account_id), filter_id)
    conn.execute("DELETE FROM filters WHERE id = ?", (filter_id,))
    _number(conn, order)


def reorder(conn: sqlite3.Connection, account_id: str, filter_ids: list[str]) -> list[Filter]:
    _number(conn, filter_order.reordered(_ids(conn, account_id), filter_ids))
    return listing(conn, account_id)


def replace(conn: sqlite3.Connection, account_id: str, filters: list[FilterFields]) -> list[Filter]:
    _require_account(conn, account_id)
    conn.execute("DELETE FROM filters WHERE account_id = ?", (account_id,))
    conn.executemany(
        "INSERT INTO filters(id, account_id, position, fields) VALUES (?, ?, ?, ?)",
        [
            (uuid.uuid4().hex, account_id, position, fields.model_dump_json())
            for position, fields in enumerate(filters)
        ],
    )
    return listing(conn, account_id)


def get(conn: sqlite3.Connection, account_id: str, filter_id: str) -> Filter:
    row = conn.execute(
        "SELECT * FROM filters WHERE account_id = ? AND id = ?", (account_id, filter_id)
    ).fetchone()
    if row is None:
        raise NotFound(f"filter {filter_id}")
    return _filter(row)


def _ids(conn: sqlite3.Connection, account_id: str) -> list[str]:
    return [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM filters WHERE account_id = ? ORDER BY position, id", (account_id,)
        )
    ]


def _number(conn: sqlite3.Connection, ordered_ids: list[str]) -> None:
    """Give the filters, in this order, the positions 0..n-1."""
    conn.executemany(
        "UPDATE filters SET position = ? WHERE id = ?",
        [(position, filter_id) for position, filter_id in enumerate(ordered_ids)],
    )


def _require_account(conn: sqlite3.Connection, account_id: str) -> None:
    if conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is None:
        raise NotFound(f"account {account_id}")


def _filter(row: sqlite3.Row) -> Filter:
    fields = FilterFields.model_validate_json(row["fields"])
    return Filter(
        id=row["id"], account_id=row["account_id"], position=row["position"], **fields.model_dump()
    )
