"""Session tokens: signed, expiring, bound to the password in force when issued."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.gateway.tokens import SessionTokens
from shared.model import Account

SECRET = b"0123456789abcdef0123456789abcdef"


def account(password_hash: str = "$argon2id$one") -> Account:
    return Account(
        id="acc1",
        address="a@example.test",
        password_hash=password_hash,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_issue_then_verify() -> None:
    tokens = SessionTokens(SECRET, 3600, clock=Clock(1000.0))
    token, expires = tokens.issue(account())
    claims = tokens.verify(token)
    assert claims is not None and claims.account_id == "acc1" and claims.expires == expires == 4600
    assert claims.fingerprint == tokens.fingerprint(account())
    assert "argon2" not in token


def test_expiry() -> None:
    clock = Clock(1000.0)
    tokens = SessionTokens(SECRET, 60, clock=clock)
    token, _ = tokens.issue(account())
    clock.now = 1059.0
    assert tokens.verify(token) is not None
    clock.now = 1060.0
    assert tokens.verify(token) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "x",
        lambda t: "x" + t,
        lambda t: t.replace(".", ""),
        lambda t: t.split(".")[0],
        lambda t: t + ".extra",
        lambda t: "é" + t,
        lambda t: "",
    ],
)
def test_altered_tokens_fail(mangle: object) -> None:
    tokens = SessionTokens(SECRET, 60)
    token, _ = tokens.issue(account())
    assert callable(mangle)
    assert tokens.verify(mangle(token)) is None


def test_another_secret_fails() -> None:
    token, _ = SessionTokens(SECRET, 60).issue(account())
    assert SessionTokens(b"another secret of enough length", 60).verify(token) is None


def test_password_change_changes_the_fingerprint() -> None:
    tokens = SessionTokens(SECRET, 60)
    assert tokens.fingerprint(account("$argon2id$one")) != tokens.fingerprint(
        account("$argon2id$two")
    )


def test_weak_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        SessionTokens(b"short", 60)
    with pytest.raises(ValueError):
        SessionTokens(SECRET, 0)
