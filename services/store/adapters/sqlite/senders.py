"""Who an account sends as (F5, F21, F22): aliases, the right to send as outside
addresses, sender identities and the personal profile."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

from services.store.adapters.sqlite import rows
from shared.events import derived_id
from shared.mail.addresses import split
from shared.model import Account, Identity, IdentityFields, Profile
from shared.ports.mailbox import AccountExists, Conflict, NotFound, Refused


def _require_account(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise NotFound(f"account {account_id}")
    return row


# --- aliases and sending rights ------------------------------------------------------


def by_address(conn: sqlite3.Connection, address: str) -> Account | None:
    """The account whose address or one of whose aliases is `address`."""
    wanted = address.strip().lower()
    row = conn.execute(
        "SELECT * FROM accounts WHERE address = ? UNION ALL"
        " SELECT accounts.* FROM aliases JOIN accounts ON accounts.id = aliases.account_id"
        " WHERE aliases.address = ? LIMIT 1",
        (wanted, wanted),
    ).fetchone()
    return rows.account(row) if row else None


def add_alias(conn: sqlite3.Connection, account_id: str, address: str) -> None:
    _require_account(conn, account_id)
    local, domain = split(address)
    conn.execute(
        "INSERT OR IGNORE INTO domains(name, created_at) VALUES (?, ?)",
        (domain, rows.ts(datetime.now(UTC))),
    )
    try:  # the primary key, or a trigger when an account has the address
        conn.execute(
            "INSERT INTO aliases(address, account_id) VALUES (?, ?)",
            (f"{local}@{domain}", account_id),
        )
    except sqlite3.IntegrityError as exc:
        raise AccountExists(f"{local}@{domain}") from exc


def remove_alias(conn: sqlite3.Connection, account_id: str, address: str) -> None:
    removed = conn.execute(
        "DELETE FROM aliases WHERE account_id = ? AND address = ?",
        (account_id, address.strip().lower()),
    )
    if removed.rowcount == 0:
        raise NotFound(f"alias {address}")


def aliases(conn: sqlite3.Connection, account_id: str) -> list[str]:
    found = [
        r["address"]
        for r in conn.execute(
            "SELECT address FROM aliases WHERE account_id = ? ORDER BY address", (account_id,)
        )
    ]
    if not found:
        _require_account(conn, account_id)
    return found


def set_external_senders(conn: sqlite3.Connection, account_id: str, allowed: bool) -> None:
    _require_account(conn, account_id)
    conn.execute(
        "UPDATE accounts SET external_senders = ? WHERE id = ?", (int(allowed), account_id)
    )


def set_submission_blocked(conn: sqlite3.Connection, account_id: str, blocked: bool) -> None:
    _require_account(conn, account_id)
    conn.execute(
        "UPDATE accounts SET submission_blocked = ? WHERE id = ?", (int(blocked), account_id)
    )


# --- profile -------------------------------------------------------------------------


def profile(conn: sqlite3.Connection, account_id: str) -> Profile:
    return Profile.model_validate_json(_require_account(conn, account_id)["profile"])


def set_profile(conn: sqlite3.Connection, account_id: str, value: Profile) -> Profile:
    _require_account(conn, account_id)
    conn.execute(
        "UPDATE accounts SET profile = ? WHERE id = ?", (value.model_dump_json(), account_id)
    )
    return value


# --- identities ----------------------------------------------------------------------


def _normalized(fields: IdentityFields) -> IdentityFields:
    return fields.model_copy(update={"address": fields.address.strip().lower()})


def _insert_identity(
    conn: sqlite3.Connection, identity_id: str, account_id: str, fields: IdentityFields
) -> Identity:
    fields = _normalized(fields)
    try:
        conn.execute(
            "INSERT INTO identities(id, account_id, address, fields) VALUES (?, ?, ?, ?)",
            (identity_id, account_id, fields.address, fields.model_dump_json()),
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(f"an identity with the address {fields.address} exists") from exc
    return Identity(id=identity_id, account_id=account_id, **fields.model_dump())


def add_primary_identity(conn: sqlite3.Connection, account: Account) -> Identity:
    """The identity every account starts with: its own address, no display name."""
    fields = IdentityFields(address=account.address)
    return _insert_identity(conn, derived_id(account.id, "identity"), account.id, fields)


def identities(conn: sqlite3.Connection, account_id: str) -> list[Identity]:
    found = [
        rows.identity(r)
        for r in conn.execute(
            "SELECT * FROM identities WHERE account_id = ? ORDER BY seq", (account_id,)
        )
    ]
    if not found:
        _require_account(conn, account_id)
    return found


def identity(conn: sqlite3.Connection, account_id: str, identity_id: str) -> Identity:
    row = conn.execute(
        "SELECT * FROM identities WHERE account_id = ? AND id = ?", (account_id, identity_id)
    ).fetchone()
    if row is None:
        raise NotFound(f"identity {identity_id}")
    return rows.identity(row)


def create_identity(conn: sqlite3.Connection, account_id: str, fields: IdentityFields) -> Identity:
    _require_account(conn, account_id)
    return _insert_identity(conn, uuid.uuid4().hex, account_id, fields)


def update_identity(
    conn: sqlite3.Connection, account_id: str, identity_id: str, fields: IdentityFields
) -> Identity:
    identity(conn, account_id, identity_id)
    fields = _normalized(fields)
    try:
        conn.execute(
            "UPDATE identities SET address = ?, fields = ? WHERE id = ?",
            (fields.address, fields.model_dump_json(), identity_id),
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(f"an identity with the address {fields.address} exists") from exc
    return Identity(id=identity_id, account_id=account_id, **fields.model_dump())


def delete_identity(conn: sqlite3.Connection, account_id: str, identity_id: str) -> None:
    identity(conn, account_id, identity_id)
    count = conn.execute(
        "SELECT COUNT(*) FROM identities WHERE account_id = ?", (account_id,)
    ).fetchone()[0]
    if count <= 1:
        raise Refused("the last identity of an account cannot be deleted")
    conn.execute("DELETE FROM identities WHERE id = ?", (identity_id,))
