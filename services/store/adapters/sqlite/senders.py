"""Who an account sends as (F5, F21, F22): aliases, the right to send as outside
addresses, sender identities and the personal profile. The rules are the core's
(`core.identities`, `core.directory`); this is their SQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from services.store.adapters.sqlite import rows
from services.store.core import identities as rules
from services.store.core.directory import address_of, lookup_key
from shared.model import Account, Identity, IdentityFields, Profile
from shared.ports.mailbox import AccountExists, NotFound


def require_account(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    return row


# --- aliases and sending rights ------------------------------------------------------


def by_address(conn: sqlite3.Connection, address: str) -> Account | None:
    """The account whose address or one of whose aliases is `address`."""
    wanted = lookup_key(address)
    row = conn.execute(
        "SELECT * FROM accounts WHERE address = ? UNION ALL"
        " SELECT accounts.* FROM aliases JOIN accounts ON accounts.id = aliases.account_id"
        " WHERE aliases.address = ? LIMIT 1",
        (wanted, wanted),
    ).fetchone()
    return rows.account(row) if row else None


def add_alias(conn: sqlite3.Connection, account_id: str, address: str) -> None:
    require_account(conn, account_id)
    alias, domain = address_of(address)
    add_domain(conn, domain, datetime.now(UTC))
    try:  # the primary key, or a trigger when an account has the address
        conn.execute("INSERT INTO aliases(address, account_id) VALUES (?, ?)", (alias, account_id))
    except sqlite3.IntegrityError as exc:
        raise AccountExists(alias) from exc


def add_domain(conn: sqlite3.Connection, domain: str, at: datetime) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO domains(name, created_at) VALUES (?, ?)", (domain, rows.ts(at))
    )


def _addresses(conn: sqlite3.Connection, account_id: str) -> tuple[str | None, list[str]]:
    """The account's own address (None if there is no such account) and its aliases."""
    row = conn.execute("SELECT address FROM accounts WHERE id = ?", (account_id,)).fetchone()
    found = conn.execute("SELECT address FROM aliases WHERE account_id = ?", (account_id,))
    return (row["address"] if row else None), [r["address"] for r in found]


def remove_alias(conn: sqlite3.Connection, account_id: str, address: str) -> None:
    alias = rules.alias_to_remove(*_addresses(conn, account_id), address)
    conn.execute("DELETE FROM aliases WHERE account_id = ? AND address = ?", (account_id, alias))


def aliases(conn: sqlite3.Connection, account_id: str) -> list[str]:
    own, found = _addresses(conn, account_id)
    if own is None:
        raise NotFound(f"account {account_id}")
    return rules.listed_aliases(own, found)


def set_external_senders(conn: sqlite3.Connection, account_id: str, allowed: bool) -> None:
    require_account(conn, account_id)
    conn.execute(
        "UPDATE accounts SET external_senders = ? WHERE id = ?", (int(allowed), account_id)
    )


def set_submission_blocked(conn: sqlite3.Connection, account_id: str, blocked: bool) -> None:
    require_account(conn, account_id)
    conn.execute(
        "UPDATE accounts SET submission_blocked = ? WHERE id = ?", (int(blocked), account_id)
    )


# --- profile -------------------------------------------------------------------------


def profile(conn: sqlite3.Connection, account_id: str) -> Profile:
    return Profile.model_validate_json(require_account(conn, account_id)["profile"])


def set_profile(conn: sqlite3.Connection, account_id: str, value: Profile) -> Profile:
    require_account(conn, account_id)
    conn.execute(
        "UPDATE accounts SET profile = ? WHERE id = ?", (value.model_dump_json(), account_id)
    )
    return value


# --- identities ----------------------------------------------------------------------


def insert_identity(conn: sqlite3.Connection, identity: Identity) -> Identity:
    fields = rules.fields_of(identity)
    try:
        conn.execute(
            "INSERT INTO identities(id, account_id, address, fields) VALUES (?, ?, ?, ?)",
            (identity.id, identity.account_id, fields.address, fields.model_dump_json()),
        )
    except sqlite3.IntegrityError as exc:
        raise rules.address_taken(fields.address) from exc
    return identity


def identities(conn: sqlite3.Connection, account_id: str) -> list[Identity]:
    found = [
        rows.identity(r)
        for r in conn.execute(
            "SELECT * FROM identities WHERE account_id = ? ORDER BY seq", (account_id,)
        )
    ]
    if not found:
        require_account(conn, account_id)
    return found


def identity(conn: sqlite3.Connection, account_id: str, identity_id: str) -> Identity:
    row = conn.execute(
        "SELECT * FROM identities WHERE account_id = ? AND id = ?", (account_id, identity_id)
    ).fetchone()
    if row is None:
        raise NotFound(f"identity {identity_id}")
    return rows.identity(row)


def create_identity(conn: sqlite3.Connection, account_id: str, fields: IdentityFields) -> Identity:
    require_account(conn, account_id)
    return insert_identity(conn, rules.new_identity(account_id, fields))


def update_identity(
    conn: sqlite3.Connection, account_id: str, identity_id: str, fields: IdentityFields
) -> Identity:
    identity(conn, account_id, identity_id)
    updated = rules.replaced(account_id, identity_id, fields)
    fields = rules.fields_of(updated)
    try:
        conn.execute(
            "UPDATE identities SET address = ?, fields = ? WHERE id = ?",
            (fields.address, fields.model_dump_json(), identity_id),
        )
    except sqlite3.IntegrityError as exc:
        raise rules.address_taken(fields.address) from exc
    return updated


def delete_identity(conn: sqlite3.Connection, account_id: str, identity_id: str) -> None:
    identity(conn, account_id, identity_id)
    count = conn.execute(
        "SELECT COUNT(*) FROM identities WHERE account_id = ?", (account_id,)
    ).fetchone()[0]
    if not rules.deletable(count):
        raise rules.last_identity()
    conn.execute("DELETE FROM identities WHERE id = ?", (identity_id,))
