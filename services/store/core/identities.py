"""Who an account sends as (F5, F21, F22), decided once for every engine: its aliases
(never its own address), its sender identities (addresses kept lower-cased, one identity
per address, never none) and the identity it starts with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from services.store.core.directory import lookup_key
from shared.events import derived_id
from shared.model import Account, Identity, IdentityFields
from shared.ports.mailbox import Conflict, NotFound, Refused


def listed_aliases(own_address: str, addresses: Iterable[str]) -> list[str]:
    """An account's aliases, sorted: the addresses that reach it but its own."""
    return sorted(a for a in addresses if a != own_address)


def alias_to_remove(own_address: str | None, aliases: Iterable[str], address: str) -> str:
    """The alias `remove_alias(address)` takes away (as stored); `NotFound` when the
    account (`own_address` None) or the alias is not there. An account's own address is
    not one of its aliases; removing an alias changes nothing else (its domain stays
    hosted, identities with its address stay)."""
    alias = lookup_key(address)
    if own_address is None or alias == own_address or alias not in set(aliases):
        raise NotFound(f"alias {address}")
    return alias


def normalized(fields: IdentityFields) -> IdentityFields:
    return fields.model_copy(update={"address": lookup_key(fields.address)})


def primary(account: Account) -> Identity:
    """The identity every account starts with: its own address, no display name."""
    return Identity(
        id=derived_id(account.id, "identity"), account_id=account.id, address=account.address
    )


def new_identity(account_id: str, fields: IdentityFields) -> Identity:
    return Identity(id=uuid.uuid4().hex, account_id=account_id, **normalized(fields).model_dump())


def replaced(account_id: str, identity_id: str, fields: IdentityFields) -> Identity:
    """The identity after `update_identity`: every field replaced, the address normalised."""
    return Identity(id=identity_id, account_id=account_id, **normalized(fields).model_dump())


def fields_of(identity: Identity) -> IdentityFields:
    """What an identity's user set: the identity without its ids."""
    return IdentityFields(**identity.model_dump(exclude={"id", "account_id"}))


def address_taken(address: str) -> Conflict:
    """What an adapter raises when its unique index finds the address on another identity."""
    return Conflict(f"an identity with the address {address} exists")


def deletable(identities: int) -> bool:
    """Whether one of an account's `identities` may be deleted: never its last."""
    return identities > 1


def last_identity() -> Refused:
    return Refused("the last identity of an account cannot be deleted")
