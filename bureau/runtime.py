"""Runs a set of services on one bus connection until told to stop.

`bureau run` runs all of them in one process beside a private nats-server; `bureau
serve NAME` runs one. Either way the code path is the same: build the adapters, build
the services, declare the streams, start consuming, start listening.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence

from aiohttp import web
from nats.aio.client import Client

from bureau.adapters import Adapters
from bureau.health import Readiness, process_checks, serve_health, watch_consumers
from bureau.services import BUILDERS, SERVICE_NAMES
from shared.runtime.bus import (
    Consumer,
    JetStreamPublisher,
    ensure_streams,
    make_broker,
    with_retries,
)
from shared.runtime.metrics import Registry
from shared.runtime.service import Service
from shared.settings import CommonSettings
from shared.streams import ALL_STREAMS

log = logging.getLogger(__name__)

GRACE = 20.0  # seconds a stopping service gives the messages in hand


async def run_services(
    names: Sequence[str],
    common: CommonSettings,
    *,
    nats_url: str,
    on_ready: Callable[[list[Service]], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    stop = stop or _stop_on_signals()
    ordered = [n for n in SERVICE_NAMES if n in names]
    broker = make_broker(nats_url, name="bureau-" + "-".join(ordered))
    adapters = Adapters(common, broker)  # key-value buckets on the bus connection
    publisher = JetStreamPublisher(broker)
    registry = Registry()  # the process's metrics, given to every service it builds
    readiness: Readiness | None = None
    services: list[Service] = []
    started: list[Service] = []
    consumers: list[Consumer] = []
    health: web.AppRunner | None = None
    try:
        for name in ordered:
            services.append(await BUILDERS[name](common, adapters, publisher, registry))
        consumers = [c for service in services for c in service.subscribe(broker)]

        async def join_bus() -> Client:
            connection = await broker.connect()
            await ensure_streams(connection.jetstream(), ALL_STREAMS, common.stream_replicas)
            await broker.start()
            return connection

        # A pod starts alongside its NATS cluster: wait for JetStream rather than exit.
        connection = await with_retries(
            f"{'+'.join(ordered)} start", join_bus, budget=common.start_timeout, undo=broker.stop
        )
        for service in services:
            await service.start()
            started.append(service)
        if common.health_listen:
            readiness = Readiness(process_checks(connection, consumers, adapters.pings()))
            watch_consumers(registry, connection, list(consumers))
            health = await serve_health(common.health_listen, readiness, registry)
        if on_ready is not None:
            on_ready(services)
        await stop.wait()
    finally:
        if readiness is not None:
            readiness.stopping = True  # /readyz 503 at once: balancers drain us first
        # Front ends first (no new work), then the consumers, then storage.
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:  # keep stopping the others
                log.exception("stopping %s failed", service.name)
        # Let the messages in hand be finished and settled (new ones go back), then stop.
        await asyncio.gather(*(consumer.drain(timeout=GRACE) for consumer in consumers))
        await broker.stop()
        if health is not None:
            await health.cleanup()
        await adapters.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
