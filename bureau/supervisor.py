"""The embedded run's process tree: every service as its own `bureau serve NAME` child.

The same code path as the distributed mode, and each service gets its own interpreter
(and so its own core) instead of sharing one GIL. Children are waited on through their
`/readyz`, restarted with a growing delay if one dies (back to a short one after
a healthy run), and stopped front ends first when the run ends. They live in their own session, so a
Ctrl-C reaches only the supervisor, which stops them in order; the kernel sends them
SIGTERM should the supervisor itself die (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bureau.process import RestartBackoff, die_with_parent, free_port

log = logging.getLogger(__name__)


@dataclass
class Child:
    name: str
    health_port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    backoff: RestartBackoff = field(default_factory=RestartBackoff)


class Supervisor:
    def __init__(self, names: Sequence[str], env: dict[str, str]) -> None:
        self._children = [Child(name) for name in names]
        self._env = env
        self._stopping = False

    async def start(self, timeout: float = 60.0) -> None:
        """Start every child at once (each declares the streams idempotently and its
        consumers are durable, so no order is needed) and wait until all are ready."""
        for child in self._children:
            await self._spawn(child)
        await asyncio.gather(*(self._wait_ready(child, timeout) for child in self._children))

    def health(self) -> dict[str, str]:
        """Where each child answers `/healthz`, `/readyz` and `/metrics`."""
        return {child.name: f"127.0.0.1:{child.health_port}" for child in self._children}

    async def _spawn(self, child: Child) -> None:
        env = {**self._env, "BUREAU_HEALTH_LISTEN": f"127.0.0.1:{child.health_port}"}
        child.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bureau", "serve", child.name,
            env=env, stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip

    async def _wait_ready(self, child: Child, timeout: float) -> None:
        url = f"http://127.0.0.1:{child.health_port}/readyz"
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while asyncio.get_running_loop().time() < deadline:
                if child.process is None or child.process.returncode is not None:
                    raise RuntimeError(f"service {child.name} exited during start-up")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise TimeoutError(f"service {child.name} not ready after {timeout:.0f}s")

    async def watch(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: restart any child that exits, waiting longer each time."""
        waits = [asyncio.create_task(self._watch_one(child, stop)) for child in self._children]
        await stop.wait()
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)

    async def _watch_one(self, child: Child, stop: asyncio.Event) -> None:
        while not stop.is_set():
            assert child.process is not None
            code = await child.process.wait()
            if stop.is_set() or self._stopping:
                return
            child.restarts += 1
            delay = child.backoff.next_delay()
            log.error("service %s exited (%s); restarting in %.1fs", child.name, code, delay)
            await asyncio.sleep(delay)
            await self._spawn(child)
            child.backoff.started()

    async def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM each child, front ends first, and wait for it to finish its work."""
        self._stopping = True
        for child in reversed(self._children):
            process = child.process
            if process is None or process.returncode is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                log.error("service %s did not stop in %.0fs, killing it", child.name, timeout)
                process.kill()
                await process.wait()


def child_env(nats_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["BUREAU_NATS_URL"] = nats_url
    return env
