"""E-mail address handling shared by ingest, filters and the CLI."""

from __future__ import annotations

import re

# Deliberately permissive (RFC 5321 §4.1.2 local parts can hold much); this only checks shape.
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$|^[^@\s<>]+@[A-Za-z0-9-]+$")


class InvalidAddress(ValueError):
    pass


def normalize(address: str) -> str:
    """Strip angle brackets and spaces, lower-case; raises `InvalidAddress`."""
    value = address.strip().strip("<>").strip()
    if not _ADDRESS.match(value):
        raise InvalidAddress(f"not an e-mail address: {address!r}")
    local, _, domain = value.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


def split(address: str) -> tuple[str, str]:
    local, _, domain = normalize(address).rpartition("@")
    return local, domain


def without_subaddress(address: str) -> str:
    """`first.last+suffix@domain` → `first.last@domain` (plus addressing, RFC 5233)."""
    local, domain = split(address)
    base, plus, _tag = local.partition("+")
    return f"{base}@{domain}" if plus and base else f"{local}@{domain}"
