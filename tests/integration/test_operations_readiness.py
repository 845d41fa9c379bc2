"""`/readyz` of a real `bureau serve` process goes 503, and says why, when JetStream stops
answering while the NATS connection stays up — JetStream switched off by a configuration
reload, or a three-node cluster that lost two nodes and with them its quorum — and when
the storage it uses is gone; it comes back once they do. `/metrics` keeps answering."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.nats_nodes import NatsNode, cluster
from tests.integration.processes import ServiceProcess, service_env


async def readyz(proc: ServiceProcess) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"http://127.0.0.1:{proc.health_port}/readyz", timeout=aiohttp.ClientTimeout(total=10)
        ) as resp,
    ):
        return resp.status, await resp.json()


async def until_status(proc: ServiceProcess, status: int, timeout: float = 30) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got, body = await readyz(proc)
        if got == status:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/readyz stayed {got}: {body}\n{proc.log_text()[-2000:]}")
        await asyncio.sleep(0.2)


async def metrics_text(proc: ServiceProcess) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"http://127.0.0.1:{proc.health_port}/metrics", timeout=aiohttp.ClientTimeout(total=5)
        ) as resp,
    ):
        assert resp.status == 200
        return await resp.text()


async def test_readiness_follows_jetstream_and_storage(tmp_path: Path) -> None:
    node = NatsNode(tmp_path / "nats")
    await node.start()
    data_dir = tmp_path / "var"
    proc = ServiceProcess("store", service_env(data_dir, node.url), tmp_path)
    try:
        await proc.start(timeout=60)
        status, body = await readyz(proc)
        assert status == 200 and body["ready"] is True
        assert set(body["checks"]) == {"nats", "jetstream", "mailbox", "blobs"}
        assert "bureau_consumer_pending_messages" in await metrics_text(proc)

        node.reload(jetstream=False)  # the connection stays, JetStream answers no more
        body = await until_status(proc, 503)
        assert body["failed"] == ["jetstream"], body
        assert body["checks"]["nats"] == {"ok": True}
        assert body["checks"]["mailbox"] == {"ok": True}
        started = asyncio.get_running_loop().time()
        text = await metrics_text(proc)  # still served, quickly, without the lag it lacks
        assert asyncio.get_running_loop().time() - started < 4
        assert "bureau_store_deliveries_total" in text
        assert 'bureau_consumer_pending_messages{consumer="store"}' not in text

        node.reload(jetstream=True)
        await until_status(proc, 200)

        moved = tmp_path / "var-unmounted"
        os.rename(data_dir, moved)  # the volume goes: files the process has open stay open
        try:
            body = await until_status(proc, 503)
            assert sorted(body["failed"]) == ["blobs", "mailbox"], body
            assert body["checks"]["jetstream"] == {"ok": True}
        finally:
            os.rename(moved, data_dir)
        await until_status(proc, 200)
    finally:
        proc.stop()
        node.stop()


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_readiness_fails_when_the_jetstream_cluster_loses_its_quorum(
    tmp_path: Path,
) -> None:
    nodes = await cluster(tmp_path / "nats")
    survivor, *others = nodes
    env = service_env(tmp_path / "var", survivor.url)  # connected to the node that stays
    env["BUREAU_STREAM_REPLICAS"] = "3"
    proc = ServiceProcess("search", env, tmp_path)
    try:
        await proc.start(timeout=90)
        assert (await readyz(proc))[0] == 200
        for node in others:
            node.kill()
        body = await until_status(proc, 503, timeout=60)
        assert body["failed"] == ["jetstream"], body
        assert body["checks"]["nats"] == {"ok": True}  # the TCP connection is still up
        for node in others:
            await node.start()
        await until_status(proc, 200, timeout=90)
    finally:
        proc.stop()
        for node in nodes:
            node.stop()
