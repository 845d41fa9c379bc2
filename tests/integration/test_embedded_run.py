"""The README's path, as a user takes it: `bureau run`, an account made with the CLI,
mail over SMTP to a plus-address, read and found over HTTP; then stop, start again."""

from __future__ import annotations

import asyncio
import os
import signal
import smtplib
import subprocess
from pathlib import Path

import aiohttp
import pytest

from bureau.process import free_port
from tests.factories import make_raw
from tests.integration.processes import BUREAU, WHOLE_RUN_TIMEOUT, free_listeners, wait_http


class EmbeddedRun:
    def __init__(self, tmp_path: Path) -> None:
        self.smtp_port, self.http_port = free_port(), free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BUREAU_")}
        self.env.update(
            BUREAU_DATA_DIR=str(tmp_path / "var"),
            BUREAU_SMTP_LISTEN=f"127.0.0.1:{self.smtp_port}",
            BUREAU_HTTP_LISTEN=f"127.0.0.1:{self.http_port}",
            **free_listeners(),
        )
        self.log = tmp_path / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/api/v1"

    async def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([*BUREAU, "run"], env=self.env, stdout=log, stderr=log)
        await wait_http(f"http://127.0.0.1:{self.http_port}/readyz", 180)

    def stop(self, sig: int = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(60)

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*BUREAU, *args], env=self.env, input=stdin, capture_output=True, text=True, timeout=60
        )


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_run_account_smtp_http_restart(tmp_path: Path) -> None:
    run = EmbeddedRun(tmp_path)
    await run.start()
    try:
        created = run.cli(
            "account",
            "create",
            "alice@example.test",
            "--password-stdin",
            stdin="correct horse battery\n",
        )
        assert created.returncode == 0, created.stderr
        again = run.cli(
            "account",
            "create",
            "alice@example.test",
            "--password-stdin",
            stdin="correct horse battery\n",
        )
        assert again.returncode == 1 and "already exists" in again.stderr
        banner = run.log.read_text()
        assert f"127.0.0.1:{run.smtp_port}" in banner and f"127.0.0.1:{run.http_port}" in banner
        assert "account create" in banner
        health = banner.split("Health and metrics (/readyz, /metrics) of each service:\n")[1]
        assert health.splitlines()[0].strip().startswith("store 127.0.0.1:")
        second = run.cli("run")  # the same data directory: refused, the first run unharmed
        assert second.returncode == 1 and "in use by another" in second.stderr

        raw = make_raw(
            to="alice+news@example.test",
            subject="Launch window",
            body="The aurora borealis is visible tonight.\n",
        )
        with smtplib.SMTP("127.0.0.1", run.smtp_port, timeout=30) as client:
            client.sendmail("bob@example.net", ["alice+news@example.test"], raw)

        async with aiohttp.ClientSession() as http:
            token = await _login(http, run.api)
            headers = {"Authorization": f"Bearer {token}"}
            message_id = await _wait_found(http, run.api, headers, "borealis")
            inbox = await _inbox(http, run.api, headers)
            assert inbox["unread"] == 1
            async with http.get(f"{run.api}/folders/{inbox['id']}/messages", headers=headers) as r:
                listing = await r.json()
            assert [m["id"] for m in listing["items"]] == [message_id]
            assert listing["items"][0]["subject"] == "Launch window"
            async with http.get(f"{run.api}/messages/{message_id}/raw", headers=headers) as r:
                stored = await r.read()
            # The bytes sent, untouched, after the trace fields ingest adds (RFC 5321 §4.4).
            assert stored.endswith(raw)
            assert stored.startswith(b"Return-Path: <bob@example.net>\r\nReceived: from ")
            assert b"for <alice+news@example.test>" in stored[: len(stored) - len(raw)]
    finally:
        code = run.stop()
    assert code == 0
    assert "Bureau stopped." in run.log.read_text()

    await run.start()  # the same data directory: everything is still there, indexed once
    try:
        async with aiohttp.ClientSession() as http:
            token = await _login(http, run.api)
            headers = {"Authorization": f"Bearer {token}"}
            assert (await _inbox(http, run.api, headers))["total"] == 1
            await asyncio.sleep(1.0)  # give a wrongly replayed journal the chance to show
            async with http.get(
                f"{run.api}/search", params={"q": "borealis"}, headers=headers
            ) as r:
                found = await r.json()
            assert found["total"] == 1 and [i["id"] for i in found["items"]] == [message_id]
    finally:
        assert run.stop(signal.SIGTERM) == 0


async def _login(http: aiohttp.ClientSession, api: str) -> str:
    async with http.post(
        f"{api}/session",
        json={"address": "alice@example.test", "password": "correct horse battery"},
    ) as resp:
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["token"])


async def _inbox(
    http: aiohttp.ClientSession, api: str, headers: dict[str, str]
) -> dict[str, object]:
    async with http.get(f"{api}/folders", headers=headers) as resp:
        folders = await resp.json()
    return next(f for f in folders if f["role"] == "inbox")


async def _wait_found(
    http: aiohttp.ClientSession, api: str, headers: dict[str, str], word: str
) -> str:
    for _ in range(200):
        async with http.get(f"{api}/search", params={"q": word}, headers=headers) as resp:
            body = await resp.json()
        if body["total"]:
            return str(body["items"][0]["id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"{word!r} never found")


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_a_killed_nats_server_is_started_again(tmp_path: Path) -> None:
    """SIGKILL of the embedded nats-server: `bureau run` starts it again on the same port
    and store, the services reconnect, and mail is accepted and delivered again."""
    run = EmbeddedRun(tmp_path)
    await run.start()
    try:
        created = run.cli(
            "account", "create", "alice@example.test", "--password-stdin",
            stdin="correct horse battery\n",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        pid_file = tmp_path / "var" / "nats" / "nats-server.pid"
        first = int(pid_file.read_text())
        os.kill(first, signal.SIGKILL)

        raw = make_raw(to="alice@example.test", subject="After", body="The comet returned.\n")
        accepted = await _send_until_accepted(run.smtp_port, raw, timeout=90)
        assert accepted
        assert int(pid_file.read_text()) != first
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {await _login(http, run.api)}"}
            await _wait_found(http, run.api, headers, "comet")
    finally:
        code = run.stop()
    assert code == 0
    log = run.log.read_text()
    assert "nats-server exited" in log and "nats-server restarted" in log


async def _send_until_accepted(port: int, raw: bytes, timeout: float) -> bool:
    """Send `raw` until the server answers 250 (a 4xx while the bus is back on its feet
    is what a sending MTA retries on)."""

    def send() -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.sendmail("bob@example.net", ["alice@example.test"], raw)
            return True
        except (smtplib.SMTPException, OSError):
            return False

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await asyncio.to_thread(send):
            return True
        await asyncio.sleep(0.5)
    return False
