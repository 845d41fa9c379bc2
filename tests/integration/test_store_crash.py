"""Services as separate processes; the store is SIGKILLed while 1,000 messages arrive.

Every message that got a 250 must end up in its mailbox exactly once: the 250 is sent
only after JetStream stored `mail.received`, the store acks `mail.deliver` only after
its transaction, and delivery is idempotent by event id.
"""

from __future__ import annotations

import asyncio
import smtplib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bureau.nats_server import EmbeddedNats
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.passwords import hash_password
from tests.factories import make_raw
from tests.integration.processes import ServiceProcess, service_env

MESSAGES = 1000
CONNECTIONS = 4


def _send_batch(port: int, ids: list[int]) -> list[str]:
    """Send each message on one connection; return the Message-IDs answered 250."""
    accepted: list[str] = []
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for i in ids:
            message_id = f"<crash-{i}@example.net>"
            raw = make_raw(subject=f"load {i}", message_id=message_id, body=f"message {i}\n" * 20)
            try:
                client.sendmail("bob@example.net", ["alice@example.test"], raw)
            except smtplib.SMTPException:
                continue
            accepted.append(message_id)
    return accepted


async def test_store_killed_during_load_loses_and_duplicates_nothing(
    tmp_path: Path, nats_server: EmbeddedNats
) -> None:
    data_dir = tmp_path / "var"
    env = service_env(data_dir, nats_server.url)
    smtp_port = ServiceProcess("ingest", env, tmp_path).health_port  # any free port
    env["BUREAU_SMTP_LISTEN"] = f"127.0.0.1:{smtp_port}"
    mailbox = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")
    await mailbox.create_account("alice@example.test", hash_password("secret-pw"))
    await mailbox.close()

    procs = {name: ServiceProcess(name, env, tmp_path) for name in ("store", "filters", "ingest")}
    try:
        for proc in procs.values():
            await proc.start()
        batches = [list(range(i, MESSAGES, CONNECTIONS)) for i in range(CONNECTIONS)]
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            sending = [loop.run_in_executor(pool, _send_batch, smtp_port, b) for b in batches]
            await _wait_stored(data_dir, at_least=100)
            procs["store"].kill()
            await asyncio.sleep(1.0)
            procs["store"] = ServiceProcess("store", env, tmp_path)
            await procs["store"].start()
            accepted = [m for batch in await asyncio.gather(*sending) for m in batch]
        assert len(accepted) == MESSAGES  # the store's crash never reaches SMTP clients
        stored = await _wait_stored(data_dir, at_least=len(accepted), timeout=120)
        assert sorted(stored) == sorted(accepted)  # every one, once
    finally:
        for proc in procs.values():
            proc.stop()


async def _wait_stored(data_dir: Path, *, at_least: int, timeout: float = 60) -> list[str]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        ids = _stored_ids(data_dir / "mailboxes.sqlite3")
        if len(ids) >= at_least or asyncio.get_running_loop().time() > deadline:
            return ids
        await asyncio.sleep(0.1)


def _stored_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        return [row[0] for row in conn.execute("SELECT message_id_hdr FROM messages")]
    finally:
        conn.close()
