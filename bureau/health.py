"""What every process serves operators on `BUREAU_HEALTH_LISTEN`: `/healthz` (liveness:
the process answers), `/readyz` (readiness: NATS connected, JetStream answering, the
storage the process was given answering) and `/metrics` (Prometheus text format).

Readiness runs its checks at once, each bounded by a short timeout, so a JetStream that
lost its quorum — the TCP connection to a surviving server still up, no leader to answer
API requests — turns `/readyz` 503 within seconds, and the JSON body says which check
failed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web
from nats.aio.client import Client

from shared.runtime.consumer_metrics import ConsumerMetrics, Watched, refresh_lag
from shared.runtime.metrics import CONTENT_TYPE, Registry
from shared.settings import parse_listen

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]

CHECK_TIMEOUT = 2.0  # seconds each readiness check may take (probes time out at 3)
LAG_TIMEOUT = 1.5  # seconds the consumer info of a scrape may take
_CREDENTIALS = re.compile(r"(?<=//)[^/@\s]+@")  # user:password@ in a URL an error quotes


class Readiness:
    """The checks of one process; not ready while any fails, or once it is stopping."""

    def __init__(self, checks: Mapping[str, Check], *, timeout: float = CHECK_TIMEOUT) -> None:
        self._checks = dict(checks)
        self._timeout = timeout
        self.stopping = False

    async def report(self) -> dict[str, Any]:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(self._checks[n]) for n in names))
        checks: dict[str, dict[str, Any]] = {}
        for name, error in zip(names, results, strict=True):
            checks[name] = {"ok": True} if error is None else {"ok": False, "error": error}
        if self.stopping:
            checks["running"] = {"ok": False, "error": "stopping"}
        failed = [name for name, result in checks.items() if not result["ok"]]
        return {"ready": not failed, "failed": failed, "checks": checks}

    async def _run(self, check: Check) -> str | None:
        try:
            await asyncio.wait_for(check(), self._timeout)
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - any failure is "not ready", said in the body
            text = _CREDENTIALS.sub("***@", str(exc))[:300]
            return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        return None


def process_checks(
    connection: Client, consumers: Iterable[Watched], storage: Mapping[str, Check]
) -> dict[str, Check]:
    """NATS, JetStream (its account info, and the info of each stream the process's
    consumers read: answered by the meta leader and the stream leaders, so both go
    unanswered without a quorum), then each storage adapter's `ping`."""
    streams = sorted({c.stream for c in consumers if c.stream is not None})

    async def nats() -> None:
        if not connection.is_connected:
            raise ConnectionError("not connected to NATS")

    async def jetstream() -> None:
        js = connection.jetstream(timeout=CHECK_TIMEOUT)
        await asyncio.gather(js.account_info(), *(js.stream_info(name) for name in streams))

    return {"nats": nats, "jetstream": jetstream, **storage}


def watch_consumers(registry: Registry, connection: Client, consumers: list[Watched]) -> None:
    """Read the consumers' lag from JetStream before each scrape."""
    if not consumers:
        return
    metrics = ConsumerMetrics(registry)
    js = connection.jetstream(timeout=LAG_TIMEOUT)
    registry.on_scrape(
        "consumer lag", lambda: refresh_lag(js, consumers, metrics, timeout=LAG_TIMEOUT)
    )


async def serve_health(listen: str, readiness: Readiness, registry: Registry) -> web.AppRunner:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    was_ready = True

    async def readyz(_request: web.Request) -> web.Response:
        nonlocal was_ready
        report = await readiness.report()
        if report["ready"] != was_ready:  # said once per change, not at every probe
            was_ready = report["ready"]
            if was_ready:
                log.info("ready again")
            else:
                log.warning("not ready: %s", ", ".join(report["failed"]))
        return web.json_response(report, status=200 if report["ready"] else 503)

    async def metrics(_request: web.Request) -> web.Response:
        text = await registry.collect()
        return web.Response(text=text, headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.on_response_prepare.append(_headers)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = parse_listen(listen)
    await web.TCPSite(runner, host, port).start()
    return runner


async def _headers(_request: web.Request, response: web.StreamResponse) -> None:
    # No versions for a scanner to match against known flaws (aiohttp's default names both).
    response.headers["Server"] = "Bureau"
