"""Start `bureau serve NAME` and `bureau run` as real processes, wait on their readiness."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from bureau.process import free_port

BUREAU = [sys.executable, "-m", "bureau"]

# pytest-timeout for a test that starts a whole `bureau run` (a nats-server and one
# process per service) and waits up to 180 s for it to be ready: on a busy machine, two
# workers each starting one, the first run compiling every module, starting is slow.
WHOLE_RUN_TIMEOUT = 420

# The listeners a test rarely talks to but every run opens: each on a free port, so that
# test runs side by side never collide on a default port.
MAIL_LISTENERS = (
    "BUREAU_SUBMISSION_LISTEN",
    "BUREAU_SUBMISSIONS_LISTEN",
    "BUREAU_IMAP_LISTEN",
    "BUREAU_IMAPS_LISTEN",
    "BUREAU_POP3_LISTEN",
    "BUREAU_POP3S_LISTEN",
)


def free_listeners() -> dict[str, str]:
    return {var: f"127.0.0.1:{free_port()}" for var in MAIL_LISTENERS}


class ServiceProcess:
    def __init__(
        self, name: str, env: dict[str, str], log_dir: Path, *, label: str | None = None
    ) -> None:
        self.name = name
        self.health_port = free_port()
        self._env = {**env, "BUREAU_HEALTH_LISTEN": f"127.0.0.1:{self.health_port}"}
        self._log = log_dir / f"{label or name}.log"  # a label tells replicas apart
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, timeout: float = 30.0) -> None:
        self.spawn()
        await self.wait_ready(timeout)

    def spawn(self) -> None:
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(
                [*BUREAU, "serve", self.name], env=self._env, stdout=log, stderr=log
            )

    async def wait_ready(self, timeout: float = 30.0) -> None:
        await wait_http(f"http://127.0.0.1:{self.health_port}/readyz", timeout, self)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""


async def wait_http(url: str, timeout: float, owner: ServiceProcess | None = None) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            if owner is not None and not owner.alive():
                raise RuntimeError(f"{owner.name} exited:\n{owner.log_text()[-3000:]}")
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    detail = owner.log_text()[-3000:] if owner else ""
    raise TimeoutError(f"{url} not ready in {timeout}s\n{detail}")


def service_env(data_dir: Path, nats_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUREAU_")}
    env.update(
        BUREAU_DATA_DIR=str(data_dir),
        BUREAU_NATS_URL=nats_url,
        BUREAU_LOG_LEVEL="WARNING",
        BUREAU_ACK_WAIT="3",
        **free_listeners(),
    )
    return env
