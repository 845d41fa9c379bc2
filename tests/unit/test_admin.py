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


async def _open_store(tmp_path: Path) -> SqliteMailboxStore:
    return await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3")


def test_alias_and_external_sender_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUREAU_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\nanother password\n"))
    assert main(["account", "create", "alice@example.test", "--password-stdin"]) == 0
    assert main(["account", "create", "bob@example.test", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["account", "alias", "list", "alice@example.test"]) == 0
    assert capsys.readouterr().out.strip() == "alice@example.test has no aliases."
    assert main(["account", "alias", "add", "alice@example.test", "Sales@Example.ORG"]) == 0
    assert "sales@example.org now reaches alice@example.test" in capsys.readouterr().out
    assert main(["account", "alias", "add", "alice@example.test", "info@example.test"]) == 0
    assert main(["account", "alias", "add", "bob@example.test", "sales@example.org"]) == 1
    assert "already an account or an alias" in capsys.readouterr().err
    assert main(["account", "alias", "add", "alice@example.test", "bob@example.test"]) == 1
    assert main(["account", "alias", "add", "alice@example.test", "not an address"]) == 2
    assert main(["account", "alias", "add", "nobody@example.test", "x@example.test"]) == 1
    assert "no account nobody@example.test" in capsys.readouterr().err
    # An alias reaches the account, but does not name it for administration.
    assert main(["account", "alias", "list", "sales@example.org"]) == 1
    capsys.readouterr()
    assert main(["account", "alias", "list", "alice@example.test"]) == 0
    assert capsys.readouterr().out.split() == ["info@example.test", "sales@example.org"]
    assert main(["account", "alias", "remove", "alice@example.test", "info@example.test"]) == 0
    assert main(["account", "alias", "remove", "bob@example.test", "sales@example.org"]) == 1
    assert "not an alias of bob@example.test" in capsys.readouterr().err
    assert main(["account", "external-senders", "alice@example.test", "on"]) == 0
    assert "may now send" in capsys.readouterr().out

    async def state() -> tuple[list[str], bool]:
        store = await _open_store(tmp_path)
        try:
            account = await store.account_by_address("sales@example.org")
            assert account is not None and account.address == "alice@example.test"
            return await store.aliases(account.id), account.external_senders
        finally:
            await store.close()

    assert asyncio.run(state()) == (["sales@example.org"], True)
    assert main(["account", "external-senders", "alice@example.test", "off"]) == 0
    assert asyncio.run(state()) == (["sales@example.org"], False)
    with pytest.raises(SystemExit):
        main(["account", "external-senders", "alice@example.test", "maybe"])

    async def blocked() -> bool:
        store = await _open_store(tmp_path)
        try:
            account = await store.account_by_address("alice@example.test")
            assert account is not None
            return account.submission_blocked
        finally:
            await store.close()

    assert main(["account", "block-submission", "alice@example.test"]) == 0
    assert "may no longer send" in capsys.readouterr().out
    assert asyncio.run(blocked()) is True
    assert main(["account", "block-submission", "alice@example.test", "--unblock"]) == 0
    assert asyncio.run(blocked()) is False


def test_plan_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUREAU_DATA_DIR", str(tmp_path))
    assert (
        main(["plan", "set", "free", "--messages-per-day", "50", "--signature", "Sent free"]) == 0
    )
    out = capsys.readouterr().out
    assert "messages/day 50" in out and "signature of 9 characters" in out
    signature = tmp_path / "signature.txt"
    signature.write_text("-- \nSent with Bureau — free plan\n", encoding="utf-8")
    assert (
        main(["plan", "set", "basic", "--storage", "1GB", "--signature-file", str(signature)]) == 0
    )
    assert main(["plan", "set", "big", "--signature", "x" * 4001]) == 2
    assert "invalid plan" in capsys.readouterr().err
    assert main(["plan", "set", "big", "--signature-file", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read the signature" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one or the other
        main(["plan", "set", "big", "--signature", "a", "--signature-file", str(signature)])

    async def plans() -> dict[str, str]:
        store = await _open_store(tmp_path)
        try:
            return {p.name: p.signature for p in await store.plans()}
        finally:
            await store.close()

    assert asyncio.run(plans()) == {
        "basic": "-- \nSent with Bureau — free plan",
        "free": "Sent free",
    }
    assert main(["plan", "set", "free", "--messages-per-day", "50"]) == 0  # replaced whole
    assert asyncio.run(plans())["free"] == ""


def test_every_command_says_which_data_it_works_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run from another directory without BUREAU_DATA_DIR, a command works on a `./var`
    of its own: it says so, and that it is new, instead of quietly missing the run's."""
    monkeypatch.delenv("BUREAU_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["account", "create", "alice@example.test", "--password-stdin"]) == 0
    first = capsys.readouterr().err
    assert f"data directory {tmp_path / 'var'} (new: no mailboxes there yet" in first
    assert main(["plan", "list"]) == 0
    second = capsys.readouterr().err
    assert f"bureau: data directory {tmp_path / 'var'}\n" == second
