"""Accounts, preferences, plans and quota (F55, F58)."""

from __future__ import annotations

import sqlite3

from services.store.adapters.sqlite import rows, senders
from services.store.core import settings
from services.store.core.accounts import NewAccount
from services.store.core.directory import lookup_key, page_size
from shared.model import Account, Plan, Preferences
from shared.ports.mailbox import AccountExists, NotFound


def create(conn: sqlite3.Connection, new: NewAccount) -> Account:
    """The account, its primary identity and its system folders, as the core made them
    (`core.accounts.new_account`)."""
    account = new.account
    senders.add_domain(conn, new.domain, account.created_at)
    try:
        conn.execute(
            "INSERT INTO accounts(id, address, domain, password_hash, created_at, uidvalidity)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                account.id,
                account.address,
                new.domain,
                account.password_hash,
                rows.ts(account.created_at),
                new.uidvalidity,
            ),
        )
    except sqlite3.IntegrityError as exc:  # the address, or a trigger: an alias has it
        raise AccountExists(account.address) from exc
    senders.insert_identity(conn, new.identity)
    conn.executemany(
        "INSERT INTO folders(id, account_id, name, role, uidvalidity, uidnext)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (f.id, account.id, f.name, f.role.value if f.role else None, f.uidvalidity, f.uidnext)
            for f in new.folders
        ],
    )
    return account


def _row(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    return row


def preferences(conn: sqlite3.Connection, account_id: str) -> Preferences:
    return Preferences.model_validate_json(_row(conn, account_id)["preferences"])


def set_preferences(conn: sqlite3.Connection, account_id: str, prefs: Preferences) -> Preferences:
    _row(conn, account_id)
    conn.execute(
        "UPDATE accounts SET preferences = ? WHERE id = ?", (prefs.model_dump_json(), account_id)
    )
    return prefs


def set_plan(conn: sqlite3.Connection, plan: Plan) -> Plan:
    conn.execute(
        "INSERT INTO plans(name, limits) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET limits = excluded.limits",
        (plan.name, plan.model_dump_json()),
    )
    return plan


def plans(conn: sqlite3.Connection) -> list[Plan]:
    return settings.plans_listed(
        Plan.model_validate_json(r["limits"]) for r in conn.execute("SELECT limits FROM plans")
    )


def plan(conn: sqlite3.Connection, name: str) -> Plan | None:
    row = conn.execute("SELECT limits FROM plans WHERE name = ?", (name,)).fetchone()
    return Plan.model_validate_json(row["limits"]) if row else None


def account_plan(conn: sqlite3.Connection, account_id: str) -> Plan | None:
    name = _row(conn, account_id)["plan"]
    return plan(conn, name) if name else None


def assign_plan(conn: sqlite3.Connection, account_id: str, plan_name: str | None) -> None:
    _row(conn, account_id)
    found = plan(conn, plan_name) if plan_name is not None else None
    conn.execute(
        "UPDATE accounts SET plan = ? WHERE id = ?",
        (settings.assignable(plan_name, found), account_id),
    )


def first(conn: sqlite3.Connection, domain: str | None) -> Account | None:
    where, args = ("WHERE domain = ?", (lookup_key(domain),)) if domain else ("", ())
    row = conn.execute(
        f"SELECT * FROM accounts {where} ORDER BY created_at, id LIMIT 1", args
    ).fetchone()
    return rows.account(row) if row is not None else None


def page(conn: sqlite3.Connection, after: str | None, limit: int) -> list[Account]:
    return [
        rows.account(r)
        for r in conn.execute(
            "SELECT * FROM accounts WHERE id > ? ORDER BY id LIMIT ?",
            (after or "", page_size(limit)),
        )
    ]


def remember_search(conn: sqlite3.Connection, account_id: str, query: str, keep: int) -> None:
    _row(conn, account_id)
    kept = settings.remembered(recent_searches(conn, account_id), query, keep)
    # A handful of rows: written again whole, `seq` highest for the newest.
    conn.execute("DELETE FROM recent_searches WHERE account_id = ?", (account_id,))
    conn.executemany(
        "INSERT INTO recent_searches(account_id, query, seq) VALUES (?, ?, ?)",
        [(account_id, q, len(kept) - n) for n, q in enumerate(kept)],
    )


def recent_searches(conn: sqlite3.Connection, account_id: str) -> list[str]:
    return [
        r["query"]
        for r in conn.execute(
            "SELECT query FROM recent_searches WHERE account_id = ? ORDER BY seq DESC",
            (account_id,),
        )
    ]


def subscriptions(conn: sqlite3.Connection, account_id: str) -> list[str]:
    return settings.subscription_list(
        r["name"]
        for r in conn.execute("SELECT name FROM subscriptions WHERE account_id = ?", (account_id,))
    )


def set_subscribed(conn: sqlite3.Connection, account_id: str, name: str, subscribed: bool) -> None:
    _row(conn, account_id)
    if subscribed:
        conn.execute(
            "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?, ?)",
            (account_id, name),
        )
    else:
        conn.execute(
            "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", (account_id, name)
        )
