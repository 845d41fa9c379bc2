"""Channel adapters: the HTTP provider adapter against a local aiohttp server playing the
provider, and the spool adapter writing files."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr, ValidationError

from bureau.process import free_port
from services.notify.channels.http_provider import HttpProviderChannel, HttpProviderSettings
from services.notify.channels.spool import SpoolChannel
from shared.ports.channels import (
    Channel,
    ChannelPermanentError,
    ChannelReceipt,
    ChannelTemporaryError,
)


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Provider:
    """A provider whose next answers the test chooses."""

    url: str
    requests: list[Seen] = field(default_factory=list)
    answer: Callable[[], Awaitable[web.StreamResponse]] | None = None


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    state = Provider(url="")

    async def handle(request: web.Request) -> web.StreamResponse:
        state.requests.append(
            Seen(
                method=request.method,
                path=request.path,
                query=request.query_string,
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        if state.answer is not None:
            return await state.answer()
        return web.json_response({"data": {"id": "msg-42"}, "status": "queued"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


def _settings(provider: Provider, **kw: Any) -> HttpProviderSettings:
    values: dict[str, Any] = {
        "endpoint": provider.url + "/v1/sms?account=acme",
        "fax_endpoint": provider.url + "/v1/fax",
        "bearer_token": SecretStr("tok-secret-123"),
        "id_key": "data.id",
        "timeout": 2.0,
    }
    values.update(kw)
    return HttpProviderSettings(**values)


async def test_sms_request(provider: Provider) -> None:
    template = (
        '{"to": "{number}", "body": "{text}", "ref": "{reference}",'
        ' "meta": {"note": "for {number}", "segments": "{parts}"}, "flash": false}'
    )
    text_parts = ['Quote " and \\ and\nnewline ', "and {text} literally €"]
    async with HttpProviderChannel(_settings(provider, sms_template=template)) as channel:
        receipt = await channel.send_sms("+32475123456", text_parts, reference="ev-1/rcpt-2")
    assert receipt == ChannelReceipt(reference="ev-1/rcpt-2", provider_id="msg-42")
    [seen] = provider.requests
    assert seen.method == "POST"
    assert seen.path == "/v1/sms"
    assert seen.query == "account=acme"
    assert seen.headers["Authorization"] == "Bearer tok-secret-123"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.json == {
        "to": "+32475123456",
        "body": "".join(text_parts),  # the value, not re-substituted
        "ref": "ev-1/rcpt-2",
        "meta": {"note": "for +32475123456", "segments": text_parts},
        "flash": False,
    }


async def test_fax_request_with_basic_auth(provider: Provider) -> None:
    settings = _settings(
        provider,
        bearer_token=None,
        username="acme",
        password=SecretStr("p@ss:word"),
        method="PUT",
        id_key="faxId",
    )
    pdf = b"%PDF-1.4\n...fake but opaque to the adapter...\n%%EOF\n"

    async def answer() -> web.StreamResponse:
        return web.json_response({"faxId": 9001}, status=202)

    provider.answer = answer
    async with HttpProviderChannel(settings) as channel:
        receipt = await channel.send_fax("+3225123456", pdf, reference="ref-7")
    assert receipt == ChannelReceipt(reference="ref-7", provider_id="9001")
    [seen] = provider.requests
    assert seen.method == "PUT"
    assert seen.path == "/v1/fax"
    expected = "Basic " + base64.b64encode(b"acme:p@ss:word").decode()
    assert seen.headers["Authorization"] == expected
    assert seen.json == {
        "to": "+3225123456",
        "document": base64.b64encode(pdf).decode(),
        "content_type": "application/pdf",
        "reference": "ref-7",
    }


async def test_answer_without_an_id(provider: Provider) -> None:
    async def answer() -> web.StreamResponse:
        return web.Response(text="OK", status=200)

    provider.answer = answer
    async with HttpProviderChannel(_settings(provider)) as channel:
        receipt = await channel.send_sms("+32475123456", ["hi"], reference="r")
    assert receipt == ChannelReceipt(reference="r", provider_id=None)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ChannelPermanentError),
        (404, ChannelPermanentError),
        (422, ChannelPermanentError),
        (401, ChannelTemporaryError),  # our credentials: retried, not bounced
        (429, ChannelTemporaryError),
        (500, ChannelTemporaryError),
        (503, ChannelTemporaryError),
        (302, ChannelTemporaryError),  # redirects not followed
    ],
)
async def test_error_statuses(
    provider: Provider, status: int, error: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    async def answer() -> web.StreamResponse:
        headers = {"Location": "/elsewhere"} if status == 302 else None
        return web.json_response({"error": "invalid number"}, status=status, headers=headers)

    provider.answer = answer
    caplog.set_level(logging.DEBUG)
    async with HttpProviderChannel(_settings(provider)) as channel:
        with pytest.raises(error) as caught:
            await channel.send_sms("+32475123456", ["hi"], reference="r")
    assert isinstance(caught.value, ChannelPermanentError | ChannelTemporaryError)
    assert caught.value.status == status
    assert str(status) in str(caught.value)
    assert len(provider.requests) == 1
    if status != 302:
        assert "invalid number" in str(caught.value)  # the provider's explanation
    assert "account=acme" not in str(caught.value)  # the endpoint's query is not shown
    assert "tok-secret-123" not in caplog.text + str(caught.value)


async def test_timeout_is_temporary(provider: Provider) -> None:
    async def answer() -> web.StreamResponse:
        await asyncio.sleep(1.5)
        return web.json_response({})

    provider.answer = answer
    async with HttpProviderChannel(_settings(provider, timeout=0.3)) as channel:
        with pytest.raises(ChannelTemporaryError) as caught:
            await channel.send_sms("+32475123456", ["hi"], reference="r")
    assert "no answer within 0.3 s" in str(caught.value)


async def test_connection_refused_is_temporary(provider: Provider) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1/sms"  # nothing listens there
    async with HttpProviderChannel(_settings(provider, endpoint=dead)) as channel:
        with pytest.raises(ChannelTemporaryError) as caught:
            await channel.send_sms("+32475123456", ["hi"], reference="r")
    assert caught.value.status is None
    assert provider.requests == []


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="not JSON"):
        HttpProviderSettings(endpoint="https://sms.example/v1", sms_template='{"to": {number}}')
    with pytest.raises(ValidationError, match=r"\{numbr\}"):
        HttpProviderSettings(endpoint="https://sms.example/v1", sms_template='{"to": "{numbr}"}')
    with pytest.raises(ValidationError, match="http"):
        HttpProviderSettings(endpoint="ftp://sms.example/v1")
    with pytest.raises(ValidationError, match="not both"):
        HttpProviderSettings(
            endpoint="https://sms.example/v1",
            bearer_token=SecretStr("t"),
            username="u",
            password=SecretStr("p"),
        )
    with pytest.raises(ValidationError, match="cannot contain"):
        HttpProviderSettings(
            endpoint="https://sms.example/v1", username="a:b", password=SecretStr("p")
        )
    with pytest.raises(ValidationError, match="both username and password"):
        HttpProviderSettings(endpoint="https://sms.example/v1", username="u")
    settings = HttpProviderSettings(
        endpoint="https://sms.example/v1", bearer_token=SecretStr("tok-secret-123")
    )
    assert "tok-secret-123" not in repr(settings) + str(settings.model_dump())


def _files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


async def test_spool_sms(tmp_path: Path) -> None:
    spool: Channel = SpoolChannel(tmp_path / "spool")
    receipt = await spool.send_sms("+32475123456", ["Bonjour ", "€ 😀"], reference="ev/1:a")
    [written] = _files(tmp_path / "spool")
    assert written.name.startswith("sms-ev_1_a-") and written.suffix == ".json"
    assert receipt == ChannelReceipt(reference="ev/1:a", provider_id=written.stem)
    record = json.loads(written.read_text("utf-8"))
    assert record["kind"] == "sms"
    assert record["number"] == "+32475123456"
    assert record["reference"] == "ev/1:a"
    assert record["parts"] == ["Bonjour ", "€ 😀"]
    assert record["text"] == "Bonjour € 😀"
    # A retry replaces its file; another reference gets its own; no temporary file is left.
    await spool.send_sms("+32475123456", ["again"], reference="ev/1:a")
    await spool.send_sms("+32475123456", ["other"], reference="ev/1_a")
    names = [p.name for p in _files(tmp_path / "spool")]
    assert len(names) == 2
    assert not [n for n in names if n.startswith(".tmp-")]
    assert json.loads(written.read_text("utf-8"))["parts"] == ["again"]


async def test_spool_fax(tmp_path: Path) -> None:
    spool = SpoolChannel(tmp_path)
    pdf = b"%PDF-1.4\nfake\n%%EOF\n"
    receipt = await spool.send_fax("+3225123456", pdf, reference="fax-1")
    assert receipt.provider_id is not None
    assert (tmp_path / f"{receipt.provider_id}.pdf").read_bytes() == pdf
    record = json.loads((tmp_path / f"{receipt.provider_id}.json").read_text("utf-8"))
    assert record["kind"] == "fax"
    assert record["number"] == "+3225123456"
    assert record["document"] == f"{receipt.provider_id}.pdf"
    assert record["size"] == len(pdf)
    assert [p.suffix for p in _files(tmp_path)] == [".json", ".pdf"]


async def test_spool_write_failure_is_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "spool"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(ChannelTemporaryError, match="spool"):
        await SpoolChannel(blocker).send_sms("+32475123456", ["hi"], reference="r")
