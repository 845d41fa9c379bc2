"""Starts `bureau run` (the embedded default) in a scratch data directory, and the baseline:
an SMTP sink on the same library (aiosmtpd) that accepts and discards, storing nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import aiohttp

from bureau.process import free_port

BUREAU = [sys.executable, "-m", "bureau"]
SINK = """
import asyncio, sys
from aiosmtpd.smtp import SMTP
class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: discarded"
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Sink(), data_size_limit=50 * 1024 * 1024, loop=loop),
        "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


class EmbeddedStack:
    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="bureau-bench-")
        self.data_dir = Path(self._tmp.name) / "var"
        self.smtp_port, self.http_port = free_port(), free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BUREAU_")}
        self.env.update(
            BUREAU_DATA_DIR=str(self.data_dir),
            BUREAU_SMTP_LISTEN=f"127.0.0.1:{self.smtp_port}",
            BUREAU_HTTP_LISTEN=f"127.0.0.1:{self.http_port}",
            BUREAU_LOG_LEVEL="WARNING",
        )
        # Every other listener on a free port too, so runs never collide with a server
        # already on a default port.
        self.imap_port = free_port()
        for var in (
            "IMAPS_LISTEN", "POP3_LISTEN", "POP3S_LISTEN", "SUBMISSION_LISTEN",
            "SUBMISSIONS_LISTEN",
        ):  # fmt: skip
            self.env[f"BUREAU_{var}"] = f"127.0.0.1:{free_port()}"
        self.env["BUREAU_IMAP_LISTEN"] = f"127.0.0.1:{self.imap_port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/api/v1"

    async def __aenter__(self) -> EmbeddedStack:
        path = Path(self._tmp.name) / "run.log"
        with path.open("wb") as log:
            self._process = subprocess.Popen([*BUREAU, "run"], env=self.env, stdout=log, stderr=log)
        # A readiness wait, generous: on a busy machine (two test workers, each starting a
        # whole `bureau run`, the first compiling every module) starting takes a while.
        deadline = time.monotonic() + 180
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline and self._process.poll() is None:
                try:
                    async with http.get(f"http://127.0.0.1:{self.http_port}/readyz") as resp:
                        if resp.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        tail = path.read_text(errors="replace")[-2000:] if path.exists() else ""
        await self.__aexit__(None, None, None)  # never leave it running
        raise TimeoutError(f"bureau run did not become ready; its log ends:\n{tail}")

    def create_account(self, address: str, password: str) -> None:
        subprocess.run(
            [*BUREAU, "account", "create", address, "--password-stdin"],
            env=self.env,
            input=password.encode(),
            check=True,
            capture_output=True,
        )

    async def __aexit__(
        self, *exc: type[BaseException] | BaseException | TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(60)
        self._tmp.cleanup()


class Sink:
    """The baseline SMTP server, in its own process like Bureau."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Sink:
        self._process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(self.port)], stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        self._process.stdout.readline()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(30)
