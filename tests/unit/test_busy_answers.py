"""An account that never settles under a change (`Busy`, the core's `Unsettled`) is a
temporary refusal on every protocol: nothing was written and the client may try again."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.gateway.errors import error_middleware
from services.gateway.imap.commands.common import store_errors
from services.gateway.imap.responses import No
from services.store.core.serial import Unsettled
from shared.ports.mailbox import Busy


def test_the_core_giving_up_is_busy() -> None:
    assert issubclass(Unsettled, Busy)


async def test_the_api_answers_503_busy_with_retry_after(tmp_path: Path) -> None:
    async def handler(_request: web.Request) -> web.Response:
        raise Unsettled("account a kept changing: gave up after 64 attempts")

    app = web.Application(middlewares=[error_middleware])
    app.router.add_post("/change", handler)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/change")
        assert response.status == 503
        assert response.headers["Retry-After"] == "1"
        body = await response.json()
    assert body["error"]["code"] == "busy"
    assert "64 attempts" not in body["error"]["message"]  # the log says it, not the client


def test_imap_answers_no_inuse() -> None:
    with pytest.raises(No) as refusal, store_errors():
        raise Unsettled("account a kept changing")
    assert refusal.value.text.startswith("[INUSE]")
