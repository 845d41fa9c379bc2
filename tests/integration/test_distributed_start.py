"""The distributed mode's start: every service as its own `bureau serve NAME` process,
started together with a fresh 3-node JetStream cluster named by a comma-separated
`BUREAU_NATS_URL`, and two store replicas relaying one journal."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bureau.services import SERVICE_NAMES
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import MailboxChanged
from shared.model import FolderRole
from shared.runtime.bus import JetStreamPublisher, ensure_streams, make_broker
from shared.runtime.passwords import hash_password
from shared.streams import ALL_STREAMS
from tests.factories import make_raw
from tests.integration.nats_nodes import cluster, cluster_nodes, cluster_url
from tests.integration.processes import ServiceProcess, service_env
from tests.integration.test_pipeline import eventually

pytestmark = pytest.mark.timeout(300)


def _send(port: int, count: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for n in range(count):
            raw = make_raw(to="alice@example.test", subject=f"cluster {n}", body=f"n {n}\n")
            client.sendmail("bob@example.net", ["alice@example.test"], raw)


async def test_services_start_with_a_fresh_cluster_and_two_stores_share_the_relay(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    mailbox = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")
    alice = await mailbox.create_account("alice@example.test", hash_password("secret-pw"))
    # Pods start alongside the cluster: one node first, the others once the services wait.
    nodes = cluster_nodes(tmp_path / "cluster")
    await nodes[0].start()
    env = service_env(data_dir, cluster_url(nodes))
    smtp_port = ServiceProcess("probe", env, tmp_path).health_port  # any free port
    env.update(
        BUREAU_STREAM_REPLICAS="3",
        BUREAU_SMTP_LISTEN=f"127.0.0.1:{smtp_port}",
        BUREAU_HOUSEKEEPING_INTERVAL="3600",
    )
    processes = [ServiceProcess(name, env, tmp_path) for name in SERVICE_NAMES]
    processes.append(ServiceProcess("store", env, tmp_path, label="store-2"))
    try:
        for process in processes:
            process.spawn()
        await eventually(lambda: _waiting(processes), timeout=60)
        for node in nodes[1:]:
            await node.start()
        await asyncio.gather(*(p.wait_ready(timeout=150) for p in processes))
        await asyncio.to_thread(_send, smtp_port, 200)
        inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)

        async def all_relayed() -> bool:
            listed = await mailbox.messages(alice.id, inbox.id)
            return listed.total == 200 and not await mailbox.unpublished_changes()

        await eventually(all_relayed, timeout=120)
    finally:
        for process in processes:
            process.stop()
        for node in nodes:
            node.stop()
        await mailbox.close()
    for process in processes:
        log = process.log_text()
        assert "Traceback" not in log, (process.name, log[-3000:])
        assert "ERROR" not in log, (process.name, log[-3000:])
        assert "relay" not in log, (process.name, log[-3000:])
        # Each waited for JetStream with one line per try, then started.
        assert "bus not ready" in log, (process.name, log[-3000:])


async def _waiting(processes: list[ServiceProcess]) -> bool:
    """Every service is up and waiting for JetStream (R3 streams need two more nodes)."""
    return all("bus not ready" in p.log_text() for p in processes)


async def test_a_message_id_in_process_elsewhere_is_a_success(tmp_path: Path) -> None:
    """Two relays publishing one journal entry at once: the second is told by JetStream
    (409) that the id is in process; its publish waits for the duplicate PubAck instead
    of failing, and the stream holds each entry once."""
    nodes = await cluster(tmp_path / "cluster")
    brokers = [make_broker(cluster_url(nodes), f"relay-{n}") for n in (1, 2)]
    try:
        connection = await brokers[0].connect()
        await ensure_streams(connection.jetstream(), ALL_STREAMS, replicas=3)
        await brokers[1].connect()
        publishers = [JetStreamPublisher(broker) for broker in brokers]
        for round_ in range(20):
            entries = [change(f"{round_}-{n}") for n in range(20)]
            await asyncio.gather(
                *(p.publish(e, MailboxChanged.subject_for("acct")) for e in entries
                  for p in publishers)
            )  # fmt: skip
        info = await connection.jetstream().stream_info("MAILBOX")
    finally:
        for broker in brokers:
            await broker.stop()
        for node in nodes:
            node.stop()
    assert info.state.messages == 400


def change(n: str) -> MailboxChanged:
    return MailboxChanged(
        event_id=f"journal-{n}",
        account_id="acct",
        modseq=1,
        kind="message.updated",
        folder_id="folder",
        at=datetime.now(UTC),
    )
