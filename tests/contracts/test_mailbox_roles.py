"""The mailbox store's roles (`shared/ports/`): they split `MailboxStore` without overlap,
each has its contract suite run on every adapter, and services are given roles, never the
whole store (mypy then proves they call nothing else)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Protocol

from shared.ports.mailbox import MailboxStore
from tests.contracts.mailbox_contract import MailboxStoreContract

ROOT = Path(__file__).resolve().parents[2]
# Who may name the whole store: its port, its adapters and core, the composition root.
MAY_HOLD_ALL = ("shared/ports/", "services/store/adapters/", "services/store/core/", "bureau/")


def _roles() -> list[type]:
    return [base for base in MailboxStore.__bases__ if base is not Protocol]


def _members(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_roles_split_the_store_without_overlap() -> None:
    seen: dict[str, str] = {}
    for role in _roles():
        for name in _members(role):
            assert name not in seen, f"{name} is in {seen[name]} and {role.__name__}"
            seen[name] = role.__name__
    assert _members(MailboxStore) == {"ping", "close"}  # the rest is the roles'
    assert len(seen) > 80


def test_every_role_has_its_contract_suite() -> None:
    suites = {cls.__name__ for cls in MailboxStoreContract.__mro__}
    for role in _roles():
        assert f"{role.__name__}Contract" in suites, role.__name__


def _names_the_store(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "MailboxStore":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "MailboxStore":
            return True
        if isinstance(node, ast.ImportFrom) and any(a.name == "MailboxStore" for a in node.names):
            return True
    return False


def test_services_are_given_roles_not_the_whole_store() -> None:
    offenders = [
        rel
        for top in ("services", "shared")
        for path in sorted((ROOT / top).rglob("*.py"))
        if not (rel := path.relative_to(ROOT).as_posix()).startswith(MAY_HOLD_ALL)
        and _names_the_store(path)
    ]
    assert offenders == []
