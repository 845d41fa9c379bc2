"""No input gives a 500 or a dropped connection: every bad request is a 4xx with the JSON
error shape, whatever it is made of (deep nesting, control characters, broken bodies)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared.mail.query import MAX_DEPTH, QuerySyntaxError, parse
from shared.mail.query.combine import too_deep
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


# --- what aiohttp itself refuses, and what every answer carries --------------------------------


async def raw_exchange(world: World, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One request written as bytes; the status, headers and body of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", world.client.port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)  # the server closes after it
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /api/v1/folders?" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/v1/folders HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 20_000 + b"\r\n\r\n",
        b"GET /api/v1/folders HTTP/1.1\r\n" + b"X-A: 1\r\n" * 200 + b"\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /api/v1/folders HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    ],
    ids=["long-url", "long-header", "many-headers", "garbage", "bad-header"],
)
async def test_requests_aiohttp_refuses_get_the_json_error_without_a_traceback(
    world: World, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, headers, body = await raw_exchange(world, request_bytes)
    assert status == 400, body
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "bad_request"
    assert headers["server"] == "Bureau"
    assert headers["referrer-policy"] == "no-referrer"
    traced = [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert not traced, [r.getMessage() for r in traced]


async def test_every_answer_names_no_versions_and_sends_no_referrer(world: World) -> None:
    for resp in (
        await world.client.get("/api/v1/folders", headers=await world.auth()),
        await world.client.get("/api/v1/folders"),
        await world.client.get("/nowhere"),
        await world.client.get("/healthz"),
    ):
        assert resp.headers["Server"] == "Bureau", resp.headers
        assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_head_answers_every_get_route_like_get_without_a_body(world: World) -> None:
    auth = await world.auth()
    for path in ("/api/v1/folders", "/api/v1/openapi.json", "/healthz"):
        got = await world.client.get(path, headers=auth)
        head = await world.client.head(path, headers=auth)
        assert head.status == got.status == 200, path
        assert head.headers["Content-Type"] == got.headers["Content-Type"]
        assert await head.read() == b""
    assert (await world.client.head("/api/v1/folders")).status == 401


async def test_the_openapi_document_lists_no_head_operation(world: World) -> None:
    document = await (await world.client.get("/api/v1/openapi.json")).json()
    methods = [m for operations in document["paths"].values() for m in operations]
    assert "head" not in methods


async def test_every_413_has_one_code(world: World) -> None:
    from services.gateway.app import MAX_BODY
    from services.gateway.senders import MAX_MESSAGE

    auth = await world.auth()
    too_big_json = await world.client.post(
        "/api/v1/folders", data=b" " * (MAX_BODY + 1), headers={**auth, **JSON}
    )
    form = aiohttp.FormData()
    form.add_field("file", b"x" * (MAX_MESSAGE + 1), filename="big.bin")
    too_big_upload = await world.client.post("/api/v1/uploads", data=form, headers=auth)
    for resp in (too_big_json, too_big_upload):
        assert (await error_of(resp, 413))["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "script",
    ["if " + "not " * 5000 + "true { stop; }", "if " + "allof(" * 3000 + "true" + ")" * 3000],
    ids=["5000-nots", "3000-allofs"],
)
async def test_deeply_nested_sieve_imports_are_400(
    world: World, script: str, caplog: pytest.LogCaptureFixture
) -> None:
    resp = await world.client.post(
        "/api/v1/filters/sieve", json={"script": script}, headers=await world.auth()
    )
    assert (await error_of(resp, 400))["code"] == "sieve_syntax"
    no_traceback(caplog)


# --- what search answers ---------------------------------------------------------------------


async def test_snippets_are_one_line_whatever_the_mail_s_line_ends(world: World) -> None:
    raw = (
        b"From: bob@example.test\r\nTo: alice@example.test\r\nSubject: lines\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"first line\r\nsecond line with the needle\r\n\r\n\tthird\r\nfourth\r\n"
    )
    await world.deliver(world.alice, raw)
    auth = await world.auth()
    for q in ("needle", "is:unread"):  # a match, and the start of the body without one
        resp = await world.client.get("/api/v1/search", params={"q": q}, headers=auth)
        [item] = (await resp.json())["items"]
        assert not re.search(r"[\r\n\t]|  ", item["snippet"]), repr(item["snippet"])
        assert "second line" in item["snippet"]
