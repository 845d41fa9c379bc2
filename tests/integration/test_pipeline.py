"""Mail through the real services on a real nats-server: SMTP in, stored, indexed."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.mail.query import parse
from shared.model import FolderRole
from shared.runtime.passwords import hash_password
from tests.conftest import Stack
from tests.factories import make_raw

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 10.0) -> T:
    """Poll `probe` until it returns something truthy (a readiness wait, not a timing test)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def send(
    port: int, raw: bytes, to: list[str], sender: str = "bob@example.net"
) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.sendmail(sender, to, raw)


async def test_message_flows_to_mailbox_and_index(stack: Stack) -> None:
    mailbox = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    index = await Fts5Index.open(stack.data_dir / "index.sqlite3")
    try:
        alice = await mailbox.create_account("alice@example.test", hash_password("secret-pw"))
        raw = make_raw(to="alice+news@example.test", body="The zeppelin lands at dawn.\n")
        refused = await asyncio.to_thread(send, stack.smtp_port, raw, ["alice+news@example.test"])
        assert refused == {}
        inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)

        async def listed() -> bool:
            return (await mailbox.messages(alice.id, inbox.id)).total == 1

        await eventually(listed)
        found = await eventually(lambda: _hits(index, alice.id, "zeppelin"))
        message = await mailbox.message(alice.id, found[0])
        assert message.folder_id == inbox.id and message.unread
    finally:
        await mailbox.close()
        await index.close()


async def _hits(index: Fts5Index, account_id: str, words: str) -> list[str]:
    return [h.message_id for h in (await index.search(account_id, parse(words))).items]


async def test_unknown_recipient_and_oversize_are_refused(stack: Stack) -> None:
    mailbox = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    try:
        await mailbox.create_account("alice@example.test", hash_password("secret-pw"))
    finally:
        await mailbox.close()

    def unknown() -> None:
        with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as client:
            client.ehlo("client.example.net")
            assert "size" in client.esmtp_features
            assert int(client.esmtp_features["size"]) == 50 * 1024 * 1024
            client.mail("bob@example.net")
            code, reply = client.rcpt("nobody@example.test")
            assert code == 550 and reply.startswith(b"5.1.1")
            code, _ = client.rcpt("not an address")
            assert code == 501

    def oversize() -> None:
        big = make_raw(body="x") + (b"y" * 76 + b"\r\n") * 700_000  # ~54 MB
        # Announced with MAIL FROM SIZE= (RFC 1870): refused before the data is sent.
        with (
            pytest.raises(smtplib.SMTPSenderRefused) as early,
            smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=60) as client,
        ):
            client.sendmail("bob@example.net", ["alice@example.test"], big)
        assert early.value.smtp_code == 552
        # Not announced: refused at the end of DATA.
        with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=60) as client:
            client.ehlo("client.example.net")
            assert client.mail("bob@example.net")[0] == 250
            assert client.rcpt("alice@example.test")[0] == 250
            code, _ = client.data(big)
            assert code == 552

    await asyncio.to_thread(unknown)
    await asyncio.to_thread(oversize)


async def test_malformed_mime_is_stored_and_pipeline_goes_on(stack: Stack) -> None:
    mailbox = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    try:
        alice = await mailbox.create_account("alice@example.test", hash_password("secret-pw"))
        broken = (
            b"Subject: =?utf-8?B?broken\r\nFrom: <<<\r\nDate: yesterday-ish\r\n"
            b'Content-Type: multipart/mixed; boundary="never"\r\n\r\n\xff\xfe\x00 garbage\r\n'
        )
        good = make_raw(subject="after the broken one")
        await asyncio.to_thread(send, stack.smtp_port, broken, ["alice@example.test"])
        await asyncio.to_thread(send, stack.smtp_port, good, ["alice@example.test"])
        inbox = await mailbox.folder_by_role(alice.id, FolderRole.INBOX)

        async def both() -> bool:
            return (await mailbox.messages(alice.id, inbox.id)).total == 2

        await eventually(both)
    finally:
        await mailbox.close()
