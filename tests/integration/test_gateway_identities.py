"""Sender identities and their signatures (F5, F21), the addresses they may use, the
default identity in the preferences, and signatures inserted on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.mail.compose.signature import insert_signature
from tests.integration.gateway_support import ALICE, BOB, World, call, running_gateway

IDENTITIES = "/api/v1/identities"
PREFERENCES = "/api/v1/preferences"
SIGNATURE = "/api/v1/compose/signature"
NOT_FOUND = {"error": {"code": "not_found", "message": "no such resource"}}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def create(world: World, status: int = 201, **fields: Any) -> Any:
    return await call(world, "POST", IDENTITIES, body=fields, status=status)


async def listed(world: World, who: tuple[str, str] = ALICE) -> Any:
    return await call(world, "GET", IDENTITIES, who=who)


async def test_every_account_starts_with_its_own_address(world: World) -> None:
    answer = await listed(world)

    [own] = answer["identities"]
    assert own == {
        "id": own["id"],
        "address": "alice@example.test",
        "name": own["name"],
        "reply_to": None,
        "signature_text": "",
        "signature_html": "",
        "signature_auto": True,
        "default": True,
    }
    assert answer["default_id"] == own["id"]
    assert await call(world, "GET", f"{IDENTITIES}/{own['id']}") == own
    assert await call(world, "GET", "/api/v1/addresses") == {
        "addresses": ["alice@example.test"],
        "external_allowed": False,
    }


async def test_create_with_an_alias_read_replace_delete(world: World) -> None:
    await world.mailbox.add_alias(world.alice.id, "sales@example.test")
    assert (await call(world, "GET", "/api/v1/addresses"))["addresses"] == [
        "alice@example.test",
        "sales@example.test",
    ]

    made = await create(
        world,
        address=" Sales@Example.TEST ",
        name="Alice (Sales)",
        reply_to="Orders@Example.test",
        signature_text="Alice\nSales",
        signature_auto=False,
    )

    assert made == {
        "id": made["id"],
        "address": "sales@example.test",
        "name": "Alice (Sales)",
        "reply_to": "orders@example.test",
        "signature_text": "Alice\nSales",
        "signature_html": "",
        "signature_auto": False,
        "default": False,
    }
    path = f"{IDENTITIES}/{made['id']}"
    assert await call(world, "GET", path) == made
    assert [i["address"] for i in (await listed(world))["identities"]] == [
        "alice@example.test",
        "sales@example.test",
    ]
    # PUT replaces every field: those left out go back to their defaults.
    replaced = await call(world, "PUT", path, body={"address": "sales@example.test"})
    assert replaced == made | {
        "name": "",
        "reply_to": None,
        "signature_text": "",
        "signature_auto": True,
    }
    assert await call(world, "GET", path) == replaced
    assert await call(world, "DELETE", path, status=204) is None
    assert await call(world, "GET", path, status=404) == NOT_FOUND
    assert await call(world, "DELETE", path, status=404) == NOT_FOUND
    assert len((await listed(world))["identities"]) == 1


async def test_html_signature_is_sanitised(world: World) -> None:
    own = (await listed(world))["identities"][0]
    html = (
        '<p onclick="steal()">Alice <b>Example</b></p><script>alert("x")</script>'
        '<a href="javascript:alert(1)">bad</a><a href="https://example.com">site</a>'
        '<iframe src="https://evil.example"></iframe>'
    )

    saved = await call(
        world,
        "PUT",
        f"{IDENTITIES}/{own['id']}",
        body={"address": "alice@example.test", "signature_html": html},
    )

    stored = saved["signature_html"]
    assert "<b>Example</b>" in stored and "https://example.com" in stored
    for gone in ("<script", "alert", "onclick", "javascript:", "<iframe", "evil.example"):
        assert gone not in stored, gone
    assert (await call(world, "GET", f"{IDENTITIES}/{own['id']}"))["signature_html"] == stored
    identity = await world.mailbox.identity(world.alice.id, own["id"])
    assert identity.signature_html == stored


@pytest.mark.parametrize(
    "address",
    [
        "bob@example.test",  # another account's
        "BOB@example.test",
        "nobody@example.test",  # a hosted domain: never an outside sender
        "alice@elsewhere.example",  # outside senders not allowed for this account
    ],
)
async def test_addresses_not_allowed_are_403(world: World, address: str) -> None:
    error = await create(world, 403, address=address)

    assert error["error"]["code"] == "sender_not_allowed"
    assert address.lower() in error["error"]["message"]
    own = (await listed(world))["identities"][0]
    error = await call(
        world, "PUT", f"{IDENTITIES}/{own['id']}", body={"address": address}, status=403
    )
    assert error["error"]["code"] == "sender_not_allowed"
    assert [i["address"] for i in (await listed(world))["identities"]] == ["alice@example.test"]


async def test_outside_senders_when_the_account_may(world: World) -> None:
    await world.mailbox.set_external_senders(world.alice.id, True)

    assert await call(world, "GET", "/api/v1/addresses") == {
        "addresses": ["alice@example.test"],
        "external_allowed": True,
    }
    made = await create(world, address="Alice@Elsewhere.example")
    assert made["address"] == "alice@elsewhere.example"
    # Still never an address Bureau hosts, let alone another account's.
    for address in ("bob@example.test", "nobody@example.test"):
        error = await create(world, 403, address=address)
        assert error["error"]["code"] == "sender_not_allowed"
    # Bob may not use it (nor anything outside).
    error = await call(
        world, "POST", IDENTITIES, body={"address": "x@elsewhere.example"}, status=403, who=BOB
    )
    assert error["error"]["code"] == "sender_not_allowed"


async def test_duplicate_address_is_409(world: World) -> None:
    await world.mailbox.add_alias(world.alice.id, "sales@example.test")
    made = await create(world, address="sales@example.test")

    error = await create(world, 409, address="SALES@example.test")
    assert error["error"]["code"] == "conflict"
    own = (await listed(world))["identities"][0]
    error = await call(
        world,
        "PUT",
        f"{IDENTITIES}/{own['id']}",
        body={"address": "sales@example.test"},
        status=409,
    )
    assert error["error"]["code"] == "conflict"
    assert (await call(world, "GET", f"{IDENTITIES}/{made['id']}"))["address"] == made["address"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "not an address"}, "address"),
        ({"address": "alice@"}, "address"),
        ({}, "address"),
        ({"address": "alice@example.test", "reply_to": "nope"}, "reply_to"),
        ({"address": "alice@example.test", "signature_text": "x" * 20_001}, "signature_text"),
        ({"address": "alice@example.test", "name": "x" * 257}, "name"),
        ({"address": "alice@example.test", "signature": "typo"}, "signature"),
        ({"address": "alice@example.test", "signature_auto": "often"}, "signature_auto"),
    ],
)
async def test_bad_identity_bodies_are_400(world: World, body: Any, field: str) -> None:
    error = await create(world, 400, **body)

    assert error["error"]["code"] == "invalid_field"
    assert field in error["error"]["message"]
    assert "not an address" not in error["error"]["message"]  # the input is not echoed


async def test_html_signature_too_long_once_sanitised_is_400(world: World) -> None:
    links = '<a href="https://example.com">x</a>' * 2800  # under 100,000; rel= added after
    assert len(links) < 100_000

    error = await create(world, 400, address="alice@example.test", signature_html=links)

    assert error["error"]["code"] == "invalid_field"
    assert "signature_html" in error["error"]["message"]


async def test_blank_reply_to_is_none(world: World) -> None:
    own = (await listed(world))["identities"][0]
    saved = await call(
        world,
        "PUT",
        f"{IDENTITIES}/{own['id']}",
        body={"address": "alice@example.test", "reply_to": "  "},
    )
    assert saved["reply_to"] is None


async def test_the_last_identity_cannot_be_deleted(world: World) -> None:
    own = (await listed(world))["identities"][0]

    error = await call(world, "DELETE", f"{IDENTITIES}/{own['id']}", status=422)

    assert error["error"]["code"] == "refused"
    assert (await listed(world))["identities"] == [own]


async def test_other_accounts_identities_are_404(world: World) -> None:
    bobs = (await listed(world, BOB))["identities"][0]
    path = f"{IDENTITIES}/{bobs['id']}"

    assert await call(world, "GET", path, status=404) == NOT_FOUND
    put = {"address": "alice@example.test"}
    assert await call(world, "PUT", path, body=put, status=404) == NOT_FOUND
    assert await call(world, "DELETE", path, status=404) == NOT_FOUND
    error = await call(
        world, "PATCH", PREFERENCES, body={"default_identity_id": bobs["id"]}, status=404
    )
    assert error == NOT_FOUND
    error = await call(
        world, "POST", SIGNATURE, body={"identity_id": bobs["id"], "text": ""}, status=404
    )
    assert error == NOT_FOUND
    assert (await listed(world, BOB))["identities"] == [bobs]


async def test_default_identity_follows_the_preferences(world: World) -> None:
    await world.mailbox.add_alias(world.alice.id, "sales@example.test")
    await world.mailbox.add_alias(world.alice.id, "info@example.test")
    own = (await listed(world))["identities"][0]
    sales = await create(world, address="sales@example.test")
    info = await create(world, address="info@example.test")
    assert (await listed(world))["default_id"] == own["id"]

    prefs = await call(world, "PATCH", PREFERENCES, body={"default_identity_id": sales["id"]})
    assert prefs["default_identity_id"] == sales["id"]
    answer = await listed(world)
    assert answer["default_id"] == sales["id"]
    assert [i["default"] for i in answer["identities"]] == [False, True, False]
    assert (await call(world, "GET", f"{IDENTITIES}/{sales['id']}"))["default"] is True

    # Deleting the default clears the preference: back to the account's own address.
    await call(world, "DELETE", f"{IDENTITIES}/{sales['id']}", status=204)
    assert (await call(world, "GET", PREFERENCES))["default_identity_id"] is None
    assert (await listed(world))["default_id"] == own["id"]

    # Without an identity of its own address, the oldest one is the default.
    await call(world, "DELETE", f"{IDENTITIES}/{own['id']}", status=204)
    assert (await listed(world))["default_id"] == info["id"]

    # null clears the choice; unknown ids are 404.
    await call(world, "PATCH", PREFERENCES, body={"default_identity_id": info["id"]})
    cleared = await call(world, "PATCH", PREFERENCES, body={"default_identity_id": None})
    assert cleared["default_identity_id"] is None
    error = await call(
        world, "PATCH", PREFERENCES, body={"default_identity_id": "nope"}, status=404
    )
    assert error == NOT_FOUND


async def test_preferences_round_trip_the_sending_fields(world: World) -> None:
    defaults = await call(world, "GET", PREFERENCES)
    assert defaults["default_identity_id"] is None
    assert defaults["always_request_receipt"] is False
    own = (await listed(world))["identities"][0]

    changed = await call(
        world,
        "PATCH",
        PREFERENCES,
        body={"always_request_receipt": True, "default_identity_id": own["id"]},
    )
    other = await call(world, "PATCH", PREFERENCES, body={"thread_view": True})

    assert changed == defaults | {"always_request_receipt": True, "default_identity_id": own["id"]}
    assert other == changed | {"thread_view": True}
    assert await call(world, "GET", PREFERENCES) == other
    for bad in ({"always_request_receipt": None}, {"always_request_receipt": "maybe"}):
        error = await call(world, "PATCH", PREFERENCES, body=bad, status=400)
        assert error["error"]["code"] == "invalid_field"
    assert await call(world, "GET", PREFERENCES) == other


# --- signatures inserted on demand -----------------------------------------------------------


async def signed(world: World, **fields: Any) -> Any:
    own = (await listed(world))["identities"][0]
    return await call(
        world,
        "PUT",
        f"{IDENTITIES}/{own['id']}",
        body={"address": "alice@example.test", **fields},
    )


async def test_signature_at_the_cursor_and_at_the_end(world: World) -> None:
    own = await signed(
        world, signature_text="Alice\nExample Ltd", signature_html="<p>Alice <b>Ex</b></p>"
    )
    text = "Hello Bob,\n\nsee you.\n"

    at_cursor = await call(
        world, "POST", SIGNATURE, body={"identity_id": own["id"], "text": text, "position": 11}
    )
    at_end = await call(world, "POST", SIGNATURE, body={"text": text, "html": "<p>Hello</p>"})

    assert at_cursor == {
        "text": insert_signature(text, "Alice\nExample Ltd", position=11),
        "html": None,
    }
    assert at_cursor["text"].startswith("Hello Bob,\n") and "Example Ltd" in at_cursor["text"]
    assert at_cursor["text"].rstrip().endswith("see you.")
    assert at_end == {
        "text": insert_signature(text, "Alice\nExample Ltd"),
        "html": insert_signature("<p>Hello</p>", own["signature_html"], html=True),
    }
    assert at_end["text"].startswith(text.rstrip()) and "Example Ltd" in at_end["text"]
    assert at_end["html"].startswith("<p>Hello</p>") and "<b>Ex</b>" in at_end["html"]
    assert await call(world, "POST", SIGNATURE, body={}) == {"text": None, "html": None}


async def test_a_text_only_signature_serves_an_html_body(world: World) -> None:
    await signed(world, signature_text="Alice <alice@example.test>")

    answer = await call(world, "POST", SIGNATURE, body={"html": "<p>Hi</p>"})

    assert answer["text"] is None
    assert answer["html"].startswith("<p>Hi</p>")
    assert "Alice &lt;alice@example.test&gt;" in answer["html"]  # escaped, not markup


async def test_signature_of_the_default_identity(world: World) -> None:
    await world.mailbox.add_alias(world.alice.id, "sales@example.test")
    sales = await create(world, address="sales@example.test", signature_text="Sales team")
    await call(world, "PATCH", PREFERENCES, body={"default_identity_id": sales["id"]})

    answer = await call(world, "POST", SIGNATURE, body={"text": "Hi"})

    assert answer["text"] == insert_signature("Hi", "Sales team")
    assert "Sales team" in answer["text"]


async def test_signature_of_an_identity_whose_alias_was_removed_is_403(world: World) -> None:
    await world.mailbox.add_alias(world.alice.id, "sales@example.test")
    sales = await create(world, address="sales@example.test", signature_text="Sales")
    await world.mailbox.remove_alias(world.alice.id, "sales@example.test")

    error = await call(
        world, "POST", SIGNATURE, body={"identity_id": sales["id"], "text": "x"}, status=403
    )

    assert error["error"]["code"] == "sender_not_allowed"
    assert "sales@example.test" in error["error"]["message"]
    assert (await call(world, "GET", "/api/v1/addresses"))["addresses"] == ["alice@example.test"]


@pytest.mark.parametrize(
    "body",
    [{"position": -1, "text": "x"}, {"text": 3}, {"cursor": 2}, {"identity_id": 5}],
)
async def test_bad_signature_requests_are_400(world: World, body: Any) -> None:
    error = await call(world, "POST", SIGNATURE, body=body, status=400)
    assert error["error"]["code"] == "invalid_field"


async def test_sending_routes_are_documented(world: World) -> None:
    resp = await world.client.get("/api/v1/openapi.json")
    paths = (await resp.json())["paths"]

    expected = {
        "/api/v1/profile": {"get", "put"},
        "/api/v1/profile/vcard": {"get"},
        "/api/v1/addresses": {"get"},
        "/api/v1/identities": {"get", "post"},
        "/api/v1/identities/{id}": {"get", "put", "delete"},
        "/api/v1/compose/signature": {"post"},
        "/api/v1/uploads": {"post"},
        "/api/v1/uploads/{id}": {"get"},
        "/api/v1/uploads/{id}/content": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
        for method in methods:
            assert paths[path][method]["tags"] == ["sending"], (path, method)
    assert "403" in paths["/api/v1/identities"]["post"]["responses"]
    assert "413" in paths["/api/v1/uploads"]["post"]["responses"]
