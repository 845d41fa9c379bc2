"""Who is who, decided once for every engine: the form an address is kept in, the key a
lookup compares, and the bounds of a page."""

from __future__ import annotations

from shared.mail.addresses import split


def address_of(address: str) -> tuple[str, str]:
    """The address as an account or alias keeps it (brackets and spaces off, lower-cased)
    and its domain, which is hosted from then on; `InvalidAddress` for what is not one."""
    local, domain = split(address)
    return f"{local}@{domain}", domain


def lookup_key(address_or_domain: str) -> str:
    """What a lookup by address or domain compares: case-insensitive, spaces off."""
    return address_or_domain.strip().lower()


def page_size(limit: int) -> int:
    """How many rows a page or batch of `limit` holds: none for zero or less (SQLite reads
    a negative LIMIT, and PyMongo `limit(0)`, as no limit at all)."""
    return max(limit, 0)
