"""Signing in, bearer and Basic credentials, the login throttle, and what reaches the log."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.gateway.app import create_app
from services.gateway.tokens import SessionTokens
from shared.ports.logins import MemoryLoginRecords
from shared.runtime.ratelimit import Budgets, LoginThrottle
from tests.integration.gateway_support import ALICE, SECRET, World, running_gateway

FOLDERS = "/api/v1/folders"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def world(tmp_path: Path, clock: Clock) -> AsyncIterator[World]:
    throttle = LoginThrottle(MemoryLoginRecords(), Budgets(pair=3, window=60), clock=clock)
    async with running_gateway(tmp_path, login_throttle=throttle) as world:
        yield world


async def login(world: World, address: str, password: str) -> tuple[int, dict[str, object]]:
    resp = await world.client.post(
        "/api/v1/session", json={"address": address, "password": password}
    )
    return resp.status, await resp.json()


def basic(address: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{address}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def test_login_gives_a_bearer_token(world: World) -> None:
    status, body = await login(world, *ALICE)
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_at"]

    resp = await world.client.get(FOLDERS, headers={"Authorization": f"Bearer {body['token']}"})
    assert resp.status == 200
    # Addresses are case-insensitive.
    assert (await login(world, ALICE[0].upper(), ALICE[1]))[0] == 200


async def test_wrong_password_and_unknown_address_look_the_same(world: World) -> None:
    wrong = await login(world, ALICE[0], "not it")
    unknown = await login(world, "nobody@example.test", ALICE[1])
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1]
    assert wrong[1] == {"error": {"code": "unauthorized", "message": "wrong address or password"}}


async def test_too_many_failures_are_throttled_until_the_window_passes(
    world: World, clock: Clock
) -> None:
    for _ in range(3):
        assert (await login(world, ALICE[0], "guess"))[0] == 401

    resp = await world.client.post("/api/v1/session", json={"address": ALICE[0], "password": "x"})
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) == 60
    assert (await resp.json())["error"]["code"] == "rate_limited"
    # Even the right password waits, and so does HTTP Basic for that address.
    assert (await login(world, *ALICE))[0] == 429
    assert (await world.client.get(FOLDERS, headers=basic(*ALICE))).status == 429
    # Other addresses from the same client are not affected.
    assert (await login(world, "bob@example.test", "guess"))[0] == 401

    clock.now += 61
    assert (await login(world, *ALICE))[0] == 200


async def test_http_basic_is_accepted(world: World) -> None:
    assert (await world.client.get(FOLDERS, headers=basic(*ALICE))).status == 200
    resp = await world.client.get(FOLDERS, headers=basic(ALICE[0], "wrong"))
    assert resp.status == 401


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer nonsense", "Bearer a.b", "Token abc", "Basic !!!", "Basic Zm9v"],
)
async def test_requests_without_valid_credentials_are_401(
    world: World, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    resp = await world.client.get(FOLDERS, headers=headers)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await resp.json())["error"]["code"] == "unauthorized"


async def test_tampered_and_expired_tokens_are_refused(world: World) -> None:
    token = await world.token()
    payload, signature = token.split(".")
    tampered = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    past = SessionTokens(SECRET, 60, clock=lambda: 1_000_000.0)
    expired, _ = past.issue(world.alice)
    other_key, _ = SessionTokens(b"another-secret-0123456789", 60).issue(world.alice)

    for bad in (tampered, expired, other_key):
        resp = await world.client.get(FOLDERS, headers={"Authorization": f"Bearer {bad}"})
        assert resp.status == 401
        assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


async def test_a_token_works_on_every_replica_with_the_same_secret(world: World) -> None:
    token = await world.token()
    replica = create_app(
        mailbox=world.mailbox,
        index=world.index,
        blobs=world.blobs,
        publisher=world.outbox,
        secret=SECRET,
    )
    async with TestClient(TestServer(replica)) as other:
        resp = await other.get(FOLDERS, headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200


async def test_secrets_never_reach_the_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await login(world, ALICE[0], "wrong-but-secret-guess")
    token = await world.token()
    await world.client.get(FOLDERS, headers={"Authorization": f"Bearer {token}"})
    await world.client.get(FOLDERS, headers=basic(ALICE[0], "another-secret-guess"))

    logged = caplog.text
    assert "failed login" in logged  # the log does see failures ...
    for secret in ("wrong-but-secret-guess", "another-secret-guess", ALICE[1], token):
        assert secret not in logged  # ... but never what was typed or issued
