"""The gateway hears mailbox changes on plain NATS and never answers them: an answer on
the reply subject of the relay's JetStream publish, arriving before the PubAck, made
that publish fail (an empty body where the acknowledgement was expected)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import nats
from nats.aio.msg import Msg

from shared.events import ChangeKind, MailboxChanged
from tests.conftest import Stack


async def test_the_gateway_never_answers_a_mailbox_change(stack: Stack) -> None:
    change = MailboxChanged(
        event_id="change-feed-1", account_id="nobody", modseq=1, kind=ChangeKind.FOLDER_CHANGED,
        folder_id="f1", at=datetime.now(UTC),
    )  # fmt: skip
    nc = await nats.connect(stack.nats_url)
    try:
        replies: list[bytes] = []

        async def collect(msg: Msg) -> None:
            replies.append(msg.data)

        inbox = nc.new_inbox()
        await nc.subscribe(inbox, cb=collect)
        await nc.publish(
            MailboxChanged.subject_for("nobody"),
            change.model_dump_json().encode(),
            reply=inbox,
            headers={"Nats-Msg-Id": change.event_id},
        )
        await asyncio.sleep(1.5)  # time for any answer to arrive
    finally:
        await nc.close()
    assert len(replies) == 1, replies  # JetStream's acknowledgement, and nothing else
    assert json.loads(replies[0])["stream"] == "MAILBOX"
