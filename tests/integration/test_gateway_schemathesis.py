"""Schemathesis against the gateway's own OpenAPI document: for every operation, requests
generated from the document (valid and not) never get a 5xx, every 4xx is the JSON error
`{"error": {"code", "message"}}`, and every answer is one the document describes (status,
content type, body schema, headers).

The gateway runs on the embedded adapters (SQLite, FTS5, blobs on disk) in a thread of
its own, on a loopback port, since Schemathesis drives its requests synchronously; it is
signed in as a real account holding mail, a folder, a tag, a filter, a draft, a template
and an upload, whose ids every other request's path names. Each operation gets the
coverage phase (the boundary values of every parameter and field) and a few fuzzed
examples, with a fixed seed; `make test-slow` runs the `slow` test, with many more.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.gateway.openapi import build_openapi
from services.gateway.routes import ENDPOINTS
from tests.factories import make_raw
from tests.integration.gateway_support import World, running_gateway

QUICK_EXAMPLES = 3
SLOW_EXAMPLES = 50
SEED = 12


@dataclass
class Served:
    url: str
    token: str
    ids: dict[str, str]  # of real things of the account, by kind (see `path_parameters`)


async def seed(world: World) -> dict[str, str]:
    """Things of every kind for the operations to find (they get random ids too)."""
    auth = await world.auth()

    async def created(path: str, body: dict[str, Any], status: int = 201) -> str:
        resp = await world.client.post(f"/api/v1{path}", json=body, headers=auth)
        assert resp.status == status, await resp.text()
        return str((await resp.json())["id"])

    message = await world.deliver(
        world.alice, make_raw(subject="Report", body="figures\n", attachment=("a.txt", b"hi"))
    )
    for n in range(2):
        await world.deliver(world.alice, make_raw(subject=f"Report {n}", body="more\n"))
    form = aiohttp.FormData()
    form.add_field("file", b"uploaded", filename="u.txt", content_type="text/plain")
    resp = await world.client.post("/api/v1/uploads", data=form, headers=auth)
    upload = (await resp.json())["uploads"][0]["id"]
    resp = await world.client.get(f"/api/v1/messages/{message}/attachments", headers=auth)
    part = (await resp.json())[0]["part"]
    identities = await (await world.client.get("/api/v1/identities", headers=auth)).json()
    return {
        "message": message,
        "part": part,
        "folder": await created("/folders", {"name": "Projects"}),
        "tag": await created("/tags", {"name": "urgent", "color": "#ff0000"}),
        "filter": await created("/filters", {"name": "f", "actions": [{"kind": "flag"}]}),
        "draft": await created("/drafts", {"to": ["a@remote.test"], "text": "draft"}),
        "template": await created("/templates", {"text": "template"}),
        "identity": identities["identities"][0]["id"],
        "upload": upload,
        "address": "bob@example.net",
    }


_ID_KINDS = {  # the first path segment after /api/v1/ names what `{id}` is
    "folders": "folder",
    "messages": "message",
    "tags": "tag",
    "identities": "identity",
    "uploads": "upload",
    "filters": "filter",
    "receipts": "message",
    "drafts": "draft",
    "templates": "template",
}


def path_parameters(path: str, ids: dict[str, str]) -> dict[str, str]:
    """Real values for the path parameters of an operation on `path`."""
    kind = _ID_KINDS.get(path.removeprefix("/api/v1/").split("/")[0])
    values = {"id": ids[kind]} if kind else {}
    return values | {"tag_id": ids["tag"], "part": ids["part"], "address": ids["address"]}


@contextlib.contextmanager
def gateway_in_a_thread(tmp_path: Path) -> Iterator[Served]:
    """The API tests' gateway (`running_gateway`), served from a thread with its own
    event loop until the block ends."""
    ready = threading.Event()
    served: list[Served] = []
    failure: list[Exception] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with running_gateway(tmp_path) as world:
            url = f"http://127.0.0.1:{world.client.port}"
            served.append(Served(url, await world.token(), await seed(world)))
            ready.set()
            await stop.wait()

    def run() -> None:
        try:
            loop.run_until_complete(main())
        except Exception as exc:  # noqa: BLE001 - handed to the test, which raises it
            failure.append(exc)
        finally:
            ready.set()
            loop.close()

    thread = threading.Thread(target=run, name="gateway", daemon=True)
    thread.start()
    ready.wait(60)
    try:
        if failure:
            raise failure[0]
        assert served, "the gateway did not start in time"
        yield served[0]
    finally:
        if thread.is_alive():
            loop.call_soon_threadsafe(stop.set)
        thread.join(30)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with gateway_in_a_thread(tmp_path_factory.mktemp("schemathesis")) as served:
        yield served


def _config(examples: int) -> Any:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": examples, "deterministic": True},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},  # boundary values of every parameter
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


# The document is built here as the gateway builds the one it serves (the first test
# checks they are the same), so that Schemathesis can make one test per operation.
DOCUMENT = build_openapi(ENDPOINTS)
quick = schemathesis.openapi.from_dict(DOCUMENT, config=_config(QUICK_EXAMPLES))
full = schemathesis.openapi.from_dict(DOCUMENT, config=_config(SLOW_EXAMPLES))
_SETTINGS = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
_TURNS = itertools.count()


def check(case: schemathesis.Case, gateway: Served) -> None:
    """One generated request, every other one with the path naming a real thing: no 5xx,
    and a 4xx is the API's JSON error."""
    if next(_TURNS) % 2:
        real = path_parameters(case.operation.path, gateway.ids)
        case.path_parameters = {
            name: real.get(name, value) for name, value in (case.path_parameters or {}).items()
        }
    response = case.call(base_url=gateway.url, headers={"Authorization": f"Bearer {gateway.token}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            response_headers_conformance,
        ],
    )
    if 400 <= response.status_code < 500 and case.method.upper() != "HEAD":
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), (response.status_code, content_type)
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str), error


def test_the_document_tested_is_the_one_served(gateway: Served) -> None:
    served = requests.get(f"{gateway.url}/api/v1/openapi.json", timeout=10)
    assert served.json() == json.loads(json.dumps(DOCUMENT))


@quick.parametrize()
@_SETTINGS
def test_no_operation_answers_5xx_or_an_error_of_another_shape(
    case: schemathesis.Case, gateway: Served
) -> None:
    check(case, gateway)


@pytest.mark.slow
@full.parametrize()
@_SETTINGS
def test_no_operation_answers_5xx_or_an_error_of_another_shape_fully(
    case: schemathesis.Case, gateway: Served
) -> None:
    check(case, gateway)
