"""Fixtures with real parts: a nats-server on a free port, and the whole stack in-process."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bureau.nats_server import EmbeddedNats
from bureau.process import free_port
from bureau.runtime import run_services
from bureau.services import SERVICE_NAMES
from shared.settings import CommonSettings
from tests.integration.processes import free_listeners

# MongoDB and OpenSearch fixtures: real servers when configured, else a skip with the reason.
pytest_plugins = ["tests.remote"]


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    yield server
    await server.stop()


@dataclass
class Stack:
    data_dir: Path
    nats_url: str
    smtp_port: int
    http_port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


def stack_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> tuple[int, int]:
    smtp_port, http_port = free_port(), free_port()
    monkeypatch.setenv("BUREAU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("BUREAU_SMTP_LISTEN", f"127.0.0.1:{smtp_port}")
    monkeypatch.setenv("BUREAU_HTTP_LISTEN", f"127.0.0.1:{http_port}")
    monkeypatch.setenv("BUREAU_SMTP_HOSTNAME", "mx.example.test")
    # Housekeeping often and without a blob grace period, so tests see its effects at once.
    monkeypatch.setenv("BUREAU_HOUSEKEEPING_INTERVAL", "0.2")
    monkeypatch.setenv("BUREAU_BLOB_GRACE", "0")
    # Listeners a test did not place itself go on free ports (never on a default one).
    for var, value in free_listeners().items():
        if var not in os.environ:
            monkeypatch.setenv(var, value)
    return smtp_port, http_port


@contextlib.asynccontextmanager
async def services_running(
    nats_url: str, names: tuple[str, ...] = SERVICE_NAMES
) -> AsyncIterator[None]:
    """The named services in this process on `nats_url`, configured from the environment
    (`stack_env`), from ready to stopped."""
    stop = asyncio.Event()
    ready = asyncio.Event()
    task = asyncio.create_task(
        run_services(
            names,
            CommonSettings(),
            nats_url=nats_url,
            on_ready=lambda _services: ready.set(),
            stop=stop,
        )
    )
    ready_wait = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait(
        {task, ready_wait}, timeout=30, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        task.result()  # raises the start-up error
    assert ready.is_set(), "stack did not start in 30 s"
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 30)


@pytest.fixture
async def stack(
    tmp_path: Path, nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    """Every service in this process on the test's nats-server, data under tmp_path."""
    data_dir = tmp_path / "var"
    smtp_port, http_port = stack_env(monkeypatch, data_dir)
    async with services_running(nats_server.url):
        yield Stack(data_dir, nats_server.url, smtp_port, http_port)


@pytest.fixture
async def stack_without_notify(
    tmp_path: Path, nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    """The `stack` without the notify service, so that what it would consume (`mail.stored`,
    `channel.request`) stays on the NOTIFY work queue for a test to read."""
    data_dir = tmp_path / "var"
    smtp_port, http_port = stack_env(monkeypatch, data_dir)
    names = tuple(name for name in SERVICE_NAMES if name != "notify")
    async with services_running(nats_server.url, names):
        yield Stack(data_dir, nats_server.url, smtp_port, http_port)
