"""No input gives a 500 or a dropped connection: every bad request is a 4xx with the JSON
error shape, whatever it is made of (deep nesting, control characters, broken bodies)."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.query import MAX_DEPTH, QuerySyntaxError, parse
from shared.query.combine import too_deep
from tests.factories import make_raw
from tests.integration.gateway_support import World, running_gateway

SESSION = "/api/v1/session"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def error_of(resp: Any, status: int) -> dict[str, str]:
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == "application/json", text
    body = await resp.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    error: dict[str, str] = body["error"]
    return error


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    traced = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not traced, [r.getMessage() for r in traced]


# --- JSON bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b'{"address": ' + b"[" * 40 + b"]" * 40 + b', "password": "x"}',
    ],
    ids=["100k-brackets", "5000-objects", "40-deep"],
)
async def test_deeply_nested_json_is_400_even_before_login(
    world: World, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    resp = await world.client.post(SESSION, data=body, headers=JSON)
    error = await error_of(resp, 400)
    assert error["code"] in ("invalid_json", "nested_too_deeply")
    assert "deep" in error["message"] or "JSON" in error["message"]
    no_traceback(caplog)


async def test_brackets_inside_strings_do_not_count_as_nesting(world: World) -> None:
    password = '[{\\"' * 200  # brackets, escaped backslashes and quotes, all in a string
    body = json.dumps({"address": "alice@example.test", "password": password}).encode()
    resp = await world.client.post(SESSION, data=body, headers=JSON)
    assert (await error_of(resp, 401))["code"] == "unauthorized"  # a wrong password, read


# --- the search language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "(" * 500 + "a",
        "(" * 499 + "a" + ")" * 499,
        "-" * 999 + "a",
        "a " + "(b OR (c " * 60 + ")" * 120,
        "a " + "-(b " * 200,
    ],
    ids=["open-parens", "balanced-parens", "dashes", "nested-or", "nested-not"],
)
async def test_deeply_nested_queries_are_400(
    world: World, q: str, caplog: pytest.LogCaptureFixture
) -> None:
    resp = await world.client.get("/api/v1/search", params={"q": q}, headers=await world.auth())
    error = await error_of(resp, 400)
    assert error["code"] == "invalid_query"
    no_traceback(caplog)


@pytest.mark.parametrize(
    "patterns",
    [
        ["needle (b OR -(zz {}))", "needle (b c OR {})"],  # text and SQL conditions
        ["needle (b c OR {})", "needle (b OR c {})"],  # all text: one FTS5 expression
    ],
    ids=["with-exclusions", "text-only"],
)
async def test_the_deepest_query_allowed_runs_on_the_index(
    world: World, patterns: list[str]
) -> None:
    wanted = await world.deliver(world.alice, make_raw(subject="needle", body="hay b c d\n"))
    # Groups, ORs and exclusions, each level what the compilers nest the most, as deep as
    # the language takes.
    q = "needle"
    for pattern in itertools.cycle(patterns):
        try:
            parse(pattern.format(q))
        except QuerySyntaxError:
            break
        q = pattern.format(q)
    tree = parse(q)
    assert too_deep(tree) is None and too_deep(tree, MAX_DEPTH - 2) is not None
    resp = await world.client.get("/api/v1/search", params={"q": q}, headers=await world.auth())
    assert resp.status == 200, await resp.text()
    assert [item["id"] for item in (await resp.json())["items"]] == [wanted]


async def test_many_exclusions_are_not_nested_for_the_index(world: World) -> None:
    wanted = await world.deliver(world.alice, make_raw(subject="needle", body="hay\n"))
    await world.deliver(world.alice, make_raw(subject="needle", body="w7\n"))
    q = "needle " + " ".join(f"-w{i}" for i in range(150))
    assert len(q) <= 1000
    resp = await world.client.get("/api/v1/search", params={"q": q}, headers=await world.auth())
    assert resp.status == 200, await resp.text()
    assert [item["id"] for item in (await resp.json())["items"]] == [wanted]


@pytest.mark.parametrize("q", ["a%00b", "%00", "a%01b%1fc", "x%7f%00y", '"a%00b"', "from:%00bob"])
async def test_control_characters_in_a_query_are_separators(
    world: World, q: str, caplog: pytest.LogCaptureFixture
) -> None:
    resp = await world.client.get(f"/api/v1/search?q={q}", headers=await world.auth())
    assert resp.status in (200, 400), await resp.text()
    if resp.status == 400:
        assert (await error_of(resp, 400))["code"] == "invalid_query"
    no_traceback(caplog)


async def test_a_nul_splits_words_like_punctuation(world: World) -> None:
    wanted = await world.deliver(world.alice, make_raw(subject="alpha beta", body="x\n"))
    resp = await world.client.get("/api/v1/search?q=alpha%00beta", headers=await world.auth())
    assert resp.status == 200, await resp.text()
    assert [item["id"] for item in (await resp.json())["items"]] == [wanted]


async def test_the_advanced_form_bounds_nesting_too(world: World) -> None:
    resp = await world.client.post(
        "/api/v1/search",
        json={"words": "(" * 300 + "a", "exclude": "b\x00c"},
        headers=await world.auth(),
    )
    assert (await error_of(resp, 400))["code"] == "invalid_query"


# --- other query strings and bodies -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/compose?template_id=",
        "/api/v1/compose?identity_id=",
        "/api/v1/compose?template_id=%00",
    ],
)
async def test_empty_or_odd_ids_in_a_query_are_4xx(world: World, path: str) -> None:
    resp = await world.client.get(path, headers=await world.auth())
    assert resp.status in (400, 404), await resp.text()
    await error_of(resp, resp.status)


@pytest.mark.parametrize(
    "body",
    [
        b"--x\r\nfoo",
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc",
        b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\nabc\r\n--x",
        b"garbage",
        b"--x\r\n\r\n\r\n--x--\r\n",
    ],
    ids=["bad-header", "unterminated", "no-closing", "garbage", "no-disposition"],
)
async def test_broken_multipart_uploads_are_400(
    world: World, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {**await world.auth(), "Content-Type": "multipart/form-data; boundary=x"}
    resp = await world.client.post("/api/v1/uploads", data=body, headers=headers)
    assert (await error_of(resp, 400))["code"] in ("invalid_multipart", "invalid_field", "no_files")
    no_traceback(caplog)
