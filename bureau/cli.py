"""`bureau run | serve NAME | account … | plan …`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from bureau import admin
from bureau.nats_server import EmbeddedNats
from bureau.process import DataDirBusy, hold_data_dir
from bureau.runtime import run_services
from bureau.services import SERVICE_NAMES, listeners
from bureau.supervisor import Supervisor, child_env
from shared.ports.errors import Unusable
from shared.settings import CommonSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bureau", description="Bureau mail platform")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run every service on this machine (embedded default)")
    serve = commands.add_parser("serve", help="run one service (distributed mode)")
    serve.add_argument("service", choices=SERVICE_NAMES)
    admin.add_commands(commands)
    args = parser.parse_args(argv)
    settings = CommonSettings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level.upper() != "DEBUG":
        # FastStream reports every message and task at INFO: only problems, unless debugging.
        for name in ("faststream", "bureau.bus"):
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        if args.command == "run":
            return asyncio.run(_run(settings))
        if args.command == "serve":
            asyncio.run(run_services([args.service], settings, nats_url=settings.nats_url))
            return 0
        return asyncio.run(admin.run(settings, args))
    except KeyboardInterrupt:
        return 130
    except Unusable as exc:  # a storage engine set up wrong: say what to change, no trace
        print(f"bureau: {exc}", file=sys.stderr)
        return 1


async def _run(settings: CommonSettings) -> int:
    """The embedded default: a private nats-server, then every service as a child process."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = hold_data_dir(settings.data_dir)
    except DataDirBusy as exc:
        print(f"bureau: {exc}", file=sys.stderr)
        return 1
    with lock:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        server = EmbeddedNats(settings.data_dir / "nats")
        supervisor = Supervisor(SERVICE_NAMES, child_env(server.url))
        try:
            await server.start()
            await _first_of(supervisor.start(), stop)
            if not stop.is_set():
                _banner(settings, supervisor.health())
                # nats-server is kept alive like the services: a SIGKILL of it stalls
                # nothing for longer than its restart.
                await asyncio.gather(supervisor.watch(stop), server.watch(stop))
        except (RuntimeError, TimeoutError) as exc:
            print(f"bureau: {exc}", file=sys.stderr)
            return 1
        finally:
            await supervisor.stop()
            await server.stop()
    print("Bureau stopped.", flush=True)
    return 0


async def _first_of(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    """Run `work`, giving up early when `stop` is set (Ctrl-C during start-up)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        task.result()
    else:
        task.cancel()


def _banner(settings: CommonSettings, health: dict[str, str]) -> None:
    lines = [f"Bureau is running (data in {settings.data_dir.resolve()}):"]
    lines += [f"  {listener}" for listener in listeners()]
    lines += [
        "Health and metrics (/readyz, /metrics) of each service:",
        "  " + ", ".join(f"{name} {address}" for name, address in health.items()),
    ]
    lines += [
        "Create an account with:",
        "  .venv/bin/bureau account create alice@example.test --password-stdin",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
