"""Automation preferences over the HTTP API (F24, F48, F56, F57): vacation, forwarding,
notifications and read receipts, what is refused with which code, and a vacation switched
on again replying afresh."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.model import Phone, Profile
from tests.integration.gateway_support import World, running_gateway

PREFS = "/api/v1/preferences"
VACATION = "/api/v1/vacation"
NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)


@dataclass
class Api:
    """Alice's requests, signed in once (each login is an Argon2 hash: slow on purpose)."""

    world: World
    headers: dict[str, str]

    async def __call__(self, method: str, path: str, *, body: Any = None, status: int = 200) -> Any:
        resp = await self.world.client.request(method, path, json=body, headers=self.headers)
        assert resp.status == status, await resp.text()
        return await resp.json()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


@pytest.fixture
async def api(world: World) -> Api:
    return Api(world, await world.auth())


async def refused(api: Api, method: str, path: str, body: Any, status: int = 422) -> str:
    """The error code of a refused change; the preferences are left as they were."""
    before = await api("GET", PREFS)
    answer = await api(method, path, body=body, status=status)
    assert set(answer["error"]) == {"code", "message"} and answer["error"]["message"]
    assert await api("GET", PREFS) == before
    code = answer["error"]["code"]
    assert isinstance(code, str)
    return code


async def test_defaults_and_a_patch_of_every_automation_field(world: World, api: Api) -> None:
    defaults = await api("GET", PREFS)
    assert defaults["send_receipts"] == "ask"
    assert defaults["vacation"]["enabled"] is False and defaults["vacation"]["days"] == 7
    assert defaults["forwarding"] == {"address": None, "keep": False}
    assert defaults["notifications"] == {"email": "off", "sms": "off"}
    await world.mailbox.set_profile(
        world.alice.id, Profile(phones=[Phone(kind="mobile", number="+32 475 12 34 56")])
    )

    body = {
        "send_receipts": "always",
        "vacation": {"enabled": True, "start": "2026-07-01", "end": "2026-07-31", "text": "Away"},
        "forwarding": {"address": "<Alice@Elsewhere.Example>", "keep": True},
        "notifications": {"email": "first", "sms": "each"},
    }
    changed = await api("PATCH", PREFS, body=body)

    assert changed["send_receipts"] == "always"
    assert changed["vacation"] == {
        "enabled": True, "start": "2026-07-01", "end": "2026-07-31",
        "subject": "Out of office", "text": "Away", "days": 7,
    }  # fmt: skip
    assert changed["forwarding"] == {"address": "alice@elsewhere.example", "keep": True}
    assert changed["notifications"] == {"email": "first", "sms": "each"}
    assert await api("GET", PREFS) == changed
    stored = await world.mailbox.preferences(world.alice.id)
    assert stored.vacation.active(NOW) and stored.forwarding.keep


async def test_a_patch_changes_only_the_nested_fields_it_gives(api: Api) -> None:
    await api("PATCH", PREFS, body={"vacation": {"subject": "Gone fishing", "days": 3}})
    await api("PATCH", PREFS, body={"forwarding": {"address": "a@elsewhere.example"}})

    changed = await api("PATCH", PREFS, body={"vacation": {"enabled": True}})

    assert changed["vacation"]["subject"] == "Gone fishing" and changed["vacation"]["days"] == 3
    assert changed["vacation"]["enabled"] is True
    turned_off = await api("PATCH", PREFS, body={"forwarding": {"address": None}})
    assert turned_off["forwarding"] == {"address": None, "keep": False}


async def test_forwarding_must_go_to_another_mailbox(world: World, api: Api) -> None:
    await world.mailbox.add_alias(world.alice.id, "boss@example.test")
    cases = {
        "not an address": "invalid_forwarding_address",
        "+32475123456@sms": "invalid_forwarding_address",
        "alice@example.test": "forwarding_to_self",
        "ALICE@Example.Test": "forwarding_to_self",
        "alice+news@example.test": "forwarding_to_self",
        "boss@example.test": "forwarding_to_self",
    }
    for address, code in cases.items():
        body = {"forwarding": {"address": address}}
        assert await refused(api, "PATCH", PREFS, body) == code, address
    # Bob's address is another mailbox, even on the same domain.
    body = {"forwarding": {"address": "bob@example.test"}}
    assert (await api("PATCH", PREFS, body=body))["forwarding"]["address"] == ("bob@example.test")


async def test_vacation_cannot_end_before_it_starts(api: Api) -> None:
    backwards = {"enabled": True, "start": "2026-07-10", "end": "2026-07-09"}

    assert await refused(api, "PATCH", PREFS, {"vacation": backwards}) == (
        "vacation_end_before_start"
    )
    assert await refused(api, "PUT", VACATION, backwards) == "vacation_end_before_start"
    await api("PATCH", PREFS, body={"vacation": {"start": "2026-07-10"}})
    assert await refused(api, "PATCH", PREFS, {"vacation": {"end": "2026-07-01"}}) == (
        "vacation_end_before_start"
    )
    one_day = {"start": "2026-07-10", "end": "2026-07-10"}
    assert (await api("PUT", VACATION, body=one_day))["end"] == "2026-07-10"


async def test_sms_notifications_need_a_mobile_number(world: World, api: Api) -> None:
    sms = {"notifications": {"sms": "first"}}
    assert await refused(api, "PATCH", PREFS, sms) == "no_mobile_number"
    for phones in (
        [Phone(kind="work", number="+32475123456")],  # not a mobile
        [Phone(kind="mobile", number="0475 12 34 56")],  # not international
    ):
        await world.mailbox.set_profile(world.alice.id, Profile(phones=phones))
        assert await refused(api, "PATCH", PREFS, sms) == "no_mobile_number"
    # E-mail notifications need nothing.
    email = await api("PATCH", PREFS, body={"notifications": {"email": "each"}})
    assert email["notifications"] == {"email": "each", "sms": "off"}

    await world.mailbox.set_profile(
        world.alice.id, Profile(phones=[Phone(kind="mobile", number="+32475123456")])
    )
    assert (await api("PATCH", PREFS, body=sms))["notifications"]["sms"] == "first"
    # Losing the number later does not block unrelated changes.
    await world.mailbox.set_profile(world.alice.id, Profile())
    assert (await api("PATCH", PREFS, body={"page_size": 25}))["page_size"] == 25


async def test_malformed_settings_are_bad_requests(api: Api) -> None:
    for body in (
        {"send_receipts": "sometimes"},
        {"notifications": {"sms": "hourly"}},
        {"vacation": {"days": 0}},
        {"vacation": {"subject": ""}},
        {"vacation": {"reply_to": "x@example.net"}},
        {"forwarding": {"adress": "x@example.net"}},
    ):
        assert await refused(api, "PATCH", PREFS, body, status=400) == "invalid_field", body
    assert await refused(api, "PUT", VACATION, {"start": "someday"}, status=400) == (
        "invalid_field"
    )


async def test_vacation_round_trip_and_put_replaces_it(api: Api) -> None:
    assert (await api("GET", VACATION))["enabled"] is False
    full = {
        "enabled": True, "start": "2026-07-01", "end": "2026-07-31",
        "subject": "Away until August", "text": "Back on the 1st.", "days": 14,
    }  # fmt: skip

    assert await api("PUT", VACATION, body=full) == full
    assert await api("GET", VACATION) == full
    assert (await api("GET", PREFS))["vacation"] == full

    replaced = await api("PUT", VACATION, body={"text": "Only text"})
    assert replaced == {
        "enabled": False, "start": None, "end": None,
        "subject": "Out of office", "text": "Only text", "days": 7,
    }  # fmt: skip


async def test_switching_vacation_on_again_replies_afresh(world: World, api: Api) -> None:
    mailbox, alice = world.mailbox, world.alice.id
    assert await mailbox.claim_once(alice, "vacation:bob@example.net", NOW)
    assert await mailbox.claim_once(alice, "forward-loop:a@elsewhere.example", NOW)

    await api("PUT", VACATION, body={"enabled": True})
    assert await mailbox.claim_once(alice, "vacation:bob@example.net", NOW)  # released
    assert not await mailbox.claim_once(alice, "forward-loop:a@elsewhere.example", NOW)

    # Already on: changing the text does not forget whom it answered.
    await api("PUT", VACATION, body={"enabled": True, "text": "Still away"})
    await api("PATCH", PREFS, body={"vacation": {"subject": "Away"}})
    assert not await mailbox.claim_once(alice, "vacation:bob@example.net", NOW)

    # Off then on through the preferences: afresh again.
    await api("PATCH", PREFS, body={"vacation": {"enabled": False}})
    assert not await mailbox.claim_once(alice, "vacation:bob@example.net", NOW)
    await api("PATCH", PREFS, body={"vacation": {"enabled": True}})
    assert await mailbox.claim_once(alice, "vacation:bob@example.net", NOW)
