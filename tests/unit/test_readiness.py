"""Readiness: the checks run at once, each bounded, and the report says which failed;
every storage adapter's `ping` fails for real when its store is gone (a closed port, a
directory moved away) and only the adapters a process opened are checked."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import aiohttp
import pytest
from opensearchpy import AsyncOpenSearch
from pymongo import AsyncMongoClient

from bureau.adapters import Adapters
from bureau.health import Readiness, serve_health
from bureau.process import free_port
from services.search.adapters.fts5 import Fts5Index
from services.search.adapters.opensearch import OpenSearchIndex
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.gridfs_blobs import GridFsBlobStore
from services.store.adapters.mongo import MongoMailboxStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.metrics import Registry
from shared.settings import CommonSettings


async def test_the_report_names_what_failed_and_a_hung_check_is_cut_short() -> None:
    async def fine() -> None:
        return None

    async def broken() -> None:
        raise ConnectionError("refused by mongodb://bureau:s3cret@db.example:27017")

    async def hung() -> None:
        await asyncio.Event().wait()

    readiness = Readiness({"nats": fine, "mailbox": broken, "jetstream": hung}, timeout=0.3)
    started = asyncio.get_running_loop().time()
    report = await readiness.report()
    assert asyncio.get_running_loop().time() - started < 1.5  # at once, not one after another
    assert report["ready"] is False
    assert sorted(report["failed"]) == ["jetstream", "mailbox"]
    assert report["checks"]["nats"] == {"ok": True}
    assert report["checks"]["jetstream"]["error"] == "no answer within 0.3 s"
    error = report["checks"]["mailbox"]["error"]
    assert error.startswith("ConnectionError: refused by mongodb://***@db.example")
    assert "s3cret" not in error

    healthy = Readiness({"nats": fine})
    assert (await healthy.report())["ready"] is True
    healthy.stopping = True
    report = await healthy.report()
    assert report["ready"] is False and report["failed"] == ["running"]


async def test_mongodb_and_gridfs_pings_fail_on_a_closed_port() -> None:
    uri = f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300"
    mailbox = MongoMailboxStore(AsyncMongoClient(uri), "bureau")
    blobs = GridFsBlobStore(AsyncMongoClient(uri), "bureau")
    try:
        for adapter in (mailbox, blobs):
            with pytest.raises(Exception, match=r"127\.0\.0\.1"):
                await asyncio.wait_for(adapter.ping(), 5)
    finally:
        await mailbox.close()
        await blobs.close()


async def test_opensearch_ping_fails_on_a_closed_port() -> None:
    client = AsyncOpenSearch(hosts=[f"http://127.0.0.1:{free_port()}"], timeout=1, max_retries=0)
    index = OpenSearchIndex(client, "bureau-messages")
    try:
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(index.ping(), 5)
    finally:
        await index.close()


async def test_file_stores_fail_once_their_directory_is_gone(tmp_path: Path) -> None:
    data = tmp_path / "var"
    mailbox = await SqliteMailboxStore.open(data / "mailboxes.sqlite3")
    index = await Fts5Index.open(data / "index.sqlite3")
    blobs = FsBlobStore(data / "blobs")
    adapters = (mailbox, index, blobs)
    try:
        for adapter in adapters:
            await adapter.ping()
        os.rename(data, tmp_path / "elsewhere")  # the open connections keep working
        await mailbox.account_by_address("alice@example.test")
        for database in (mailbox, index):
            with pytest.raises(sqlite3.OperationalError, match="unable to open"):
                await database.ping()
        with pytest.raises(FileNotFoundError):
            await blobs.ping()
        os.rename(tmp_path / "elsewhere", data)
        for adapter in adapters:
            await adapter.ping()
    finally:
        await mailbox.close()
        await index.close()


async def test_only_the_adapters_a_process_opened_are_checked(tmp_path: Path) -> None:
    adapters = Adapters(CommonSettings(data_dir=tmp_path))
    try:
        assert adapters.pings() == {}
        await adapters.mailbox()
        await adapters.blobs()
        checks = adapters.pings()
        assert set(checks) == {"mailbox", "blobs"}
        for check in checks.values():
            await check()
    finally:
        await adapters.close()


async def test_the_health_listener_names_no_versions() -> None:
    listen = f"127.0.0.1:{free_port()}"
    runner = await serve_health(listen, Readiness({}), Registry())
    try:
        async with aiohttp.ClientSession() as http:
            for path in ("/healthz", "/readyz", "/metrics"):
                async with http.get(f"http://{listen}{path}") as resp:
                    assert resp.status == 200
                    assert resp.headers["Server"] == "Bureau"
    finally:
        await runner.cleanup()
