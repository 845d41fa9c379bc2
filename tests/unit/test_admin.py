"""`bureau account …` and `bureau plan …` against a real SQLite store."""

from __future__ import annotations

import argparse
import asyncio
import io
from pathlib import Path

import pytest

from bureau.admin import parse_size
from bureau.cli import main
from services.store.adapters.sqlite import SqliteMailboxStore


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1024", 1024),
        ("2GB", 2 * 1024**3),
        ("500MB", 500 * 1024**2),
        ("1.5G", 1536 * 1024**2),
        ("10k", 10240),
        ("3 TiB", 3 * 1024**4),
        ("7B", 7),
    ],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "GB", "-1GB", "2 PB", "two"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(text)


def test_plan_and_account_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUREAU_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["account", "create", "alice@example.test", "--password-stdin"]) == 0
    assert main(["plan", "set", "basic", "--storage", "2GB", "--messages-per-day", "500"]) == 0
    assert "storage 2GB, messages/day 500" in capsys.readouterr().out
    assert main(["account", "set-plan", "Alice@Example.test", "basic"]) == 0
    assert main(["account", "set-plan", "alice@example.test", "gold"]) == 1
    assert "no plan named 'gold'" in capsys.readouterr().err
    assert main(["account", "set-plan", "nobody@example.test", "basic"]) == 1
    assert main(["plan", "list"]) == 0
    assert capsys.readouterr().out.startswith("basic: storage 2GB")

    async def quota_plan() -> tuple[str | None, int | None]:
        store = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")
        try:
            account = await store.account_by_address("alice@example.test")
            assert account is not None
            quota = await store.quota(account.id)
            return quota.plan, quota.limit_bytes
        finally:
            await store.close()

    assert asyncio.run(quota_plan()) == ("basic", 2 * 1024**3)
    assert main(["account", "set-plan", "alice@example.test", "none"]) == 0
    assert asyncio.run(quota_plan()) == (None, None)


def test_short_password_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["account", "create", "alice@example.test", "--password-stdin"]) == 2
