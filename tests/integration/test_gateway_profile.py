"""The personal profile and its vCard (F22)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.gateway.attachments import content_disposition
from shared.mail.compose.vcard import vcard_filename
from shared.model import Profile
from tests.integration.gateway_support import BOB, World, call, running_gateway

PROFILE = "/api/v1/profile"
EMPTY: dict[str, Any] = {
    "full_name": "",
    "first_name": "",
    "last_name": "",
    "company": "",
    "department": "",
    "job_title": "",
    "emails": [],
    "phones": [],
    "addresses": [],
    "website": "",
    "birthday": None,
    "comments": "",
    "tags": [],
}
FULL: dict[str, Any] = {
    "full_name": "Alice Zoë Example",
    "first_name": "Alice",
    "last_name": "Example",
    "company": "Example Ltd",
    "department": "Sales",
    "job_title": "Head of sales",
    "emails": ["alice@example.test", "alice.home@elsewhere.example"],
    "phones": [{"kind": "mobile", "number": "+33 6 12 34 56 78"}],
    "addresses": [
        {
            "kind": "work",
            "street": "1 rue de la Paix",
            "city": "Paris",
            "region": "",
            "postcode": "75002",
            "country": "France",
        }
    ],
    "website": "https://example.test",
    "birthday": "1990-04-01",
    "comments": "PRIVATE-NOTE met at the fair",
    "tags": ["PRIVATE-TAG"],
}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def test_empty_until_set_then_replaced_whole(world: World) -> None:
    assert await call(world, "GET", PROFILE) == EMPTY

    saved = await call(world, "PUT", PROFILE, body=FULL)
    assert saved == FULL
    assert await call(world, "GET", PROFILE) == FULL
    assert await world.mailbox.profile(world.alice.id) == Profile.model_validate(FULL)
    assert await call(world, "GET", PROFILE, who=BOB) == EMPTY

    # PUT is the whole profile: what is left out is emptied.
    assert await call(world, "PUT", PROFILE, body={"full_name": "Alice"}) == EMPTY | {
        "full_name": "Alice"
    }


async def test_emails_are_addresses(world: World) -> None:
    saved = await call(world, "PUT", PROFILE, body={"emails": [" Alice@Example.TEST "]})
    assert saved["emails"] == ["alice@example.test"]

    error = await call(world, "PUT", PROFILE, body={"emails": ["not mail"]}, status=400)
    assert error["error"]["code"] == "invalid_field" and "emails" in error["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nickname": "Al"}, "nickname"),  # unknown fields are refused, not ignored
        ({"phones": [{"number": "1", "extension": "2"}]}, "phones"),
        ({"addresses": [{"city": "Paris", "planet": "Earth"}]}, "addresses"),
        ({"phones": [{"kind": "pager", "number": "1"}]}, "phones"),
        ({"phones": [{"kind": "work", "number": ""}]}, "phones"),
        ({"birthday": "yesterday"}, "birthday"),
        ({"full_name": "x" * 257}, "full_name"),
        ({"tags": ["t"] * 51}, "tags"),
    ],
)
async def test_bad_profiles_are_400(world: World, body: Any, field: str) -> None:
    await call(world, "PUT", PROFILE, body=FULL)

    error = await call(world, "PUT", PROFILE, body=body, status=400)

    assert error["error"]["code"] == "invalid_field"
    assert field in error["error"]["message"]
    assert await call(world, "GET", PROFILE) == FULL


async def test_profile_must_be_json(world: World) -> None:
    resp = await world.client.put(
        PROFILE, data="full_name=x", headers=await world.auth() | {"Content-Type": "text/plain"}
    )
    assert resp.status == 415
    assert (await resp.json())["error"]["code"] == "unsupported_media_type"


async def test_vcard_download_without_the_private_fields(world: World) -> None:
    await call(world, "PUT", PROFILE, body=FULL)

    resp = await world.client.get(f"{PROFILE}/vcard", headers=await world.auth())

    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/vcard; charset=utf-8"
    name = vcard_filename(Profile.model_validate(FULL), "alice@example.test")
    assert name.endswith(".vcf")
    assert resp.headers["Content-Disposition"] == content_disposition(name)
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    body = (await resp.read()).decode("utf-8")
    assert body.startswith("BEGIN:VCARD") and body.rstrip().endswith("END:VCARD")
    assert "FN:Alice Zoë Example" in body.replace("\r\n ", "")  # unfolded
    assert "Example Ltd" in body and "Paris" in body
    assert "PRIVATE-NOTE" not in body and "PRIVATE-TAG" not in body
    assert "NOTE" not in body and "CATEGORIES" not in body


async def test_vcard_of_an_empty_profile_still_names_someone(world: World) -> None:
    resp = await world.client.get(f"{PROFILE}/vcard", headers=await world.auth(BOB))

    assert resp.status == 200
    body = (await resp.read()).decode("utf-8")
    fn = [line for line in body.splitlines() if line.startswith("FN")]
    assert len(fn) == 1 and fn[0].split(":", 1)[1].strip()
    assert "bob@example.test" in body


async def test_profile_needs_a_signed_in_user(world: World) -> None:
    for method, path in (("GET", PROFILE), ("PUT", PROFILE), ("GET", f"{PROFILE}/vcard")):
        resp = await world.client.request(method, path, json=EMPTY)
        assert resp.status == 401, (method, path)
