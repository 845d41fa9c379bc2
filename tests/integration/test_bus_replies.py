"""Only JetStream answers a publish: no core NATS subscriber of any service replies on a
subject a stream holds (its reply would race the PubAck, and a publisher reading it
first would take an empty answer for a failed publish)."""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor

import nats
import pytest

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import FolderRole
from shared.runtime.passwords import hash_password
from shared.streams import ALL_STREAMS
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_pipeline import eventually

# One subject of each stream, in the shape the services publish them.
SUBJECTS = {
    "MAIL": "mail.received",
    "OUTBOUND": "outbound.request",
    "NOTIFY": "mail.stored",
    "MAILBOX": "mailbox.changed.acct-replies",
    "DEADLETTER": "deadletter.mail.received",
}


def test_every_stream_has_a_probe_subject() -> None:
    assert {spec.name for spec in ALL_STREAMS} == set(SUBJECTS)


async def replies_to_one_publish(nc: nats.aio.client.Client, subject: str) -> list[bytes]:
    inbox = nc.new_inbox()
    answers: list[bytes] = []

    async def collect(msg: nats.aio.msg.Msg) -> None:
        answers.append(msg.data)

    sub = await nc.subscribe(inbox, cb=collect)
    # Not a valid event: every consumer dead-letters it, which is no reply either.
    await nc.publish(subject, b"{}", reply=inbox, headers={"Nats-Msg-Id": f"probe-{subject}"})
    await nc.flush()
    await asyncio.sleep(1.0)  # every subscriber of the whole stack has had its chance
    await sub.unsubscribe()
    return answers


async def test_only_the_pub_ack_answers_a_publish(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        for stream, subject in SUBJECTS.items():
            answers = await replies_to_one_publish(nc, subject)
            assert len(answers) == 1, (subject, answers)
            ack = json.loads(answers[0])
            assert ack["stream"] == stream and "seq" in ack, (subject, ack)
    finally:
        await nc.close()


def _send_many(port: int, count: int, first: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for n in range(first, first + count):
            raw = make_raw(to="alice@example.test", subject=f"relay {n}", body=f"number {n}\n")
            client.sendmail("bob@example.net", ["alice@example.test"], raw)


async def test_a_thousand_messages_relay_without_an_error(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """The whole stack (the gateway listening on `mailbox.changed.*` included): every
    journal entry of 1,000 deliveries is relayed at the first try."""
    caplog.set_level(logging.WARNING)
    mailbox = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    try:
        alice = await mailbox.create_account("alice@example.test", hash_password("secret-pw"))
        # The clients get threads of their own: the stack's blocking work (SQLite, files)
        # runs on the loop's default executor, which they must not fill.
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=10) as clients:
            await asyncio.gather(
                *(
                    loop.run_in_executor(clients, _send_many, stack.smtp_port, 100, n * 100)
                    for n in range(10)
                )
            )

        async def all_relayed() -> bool:
            inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)
            listed = await mailbox.messages(alice.id, inbox.id)
            return listed.total == 1000 and not await mailbox.unpublished_changes()

        await eventually(all_relayed, timeout=180)
    finally:
        await mailbox.close()
    problems = [r for r in caplog.records if "relay" in r.getMessage() or r.exc_info]
    assert problems == [], [r.getMessage() for r in problems]
