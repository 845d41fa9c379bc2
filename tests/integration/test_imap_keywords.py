"""Keywords are bounded, and a bulk STORE costs what it changes, on the running platform:
every service on a real nats-server, SQLite, and Python's imaplib over loopback against
the gateway's IMAP, with small bounds set the way an operator sets them. Also UIDVALIDITY
never given twice, and mailbox names with control characters refused."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
from collections.abc import Iterator

import nats
import pytest

from services.store.adapters.fs_blobs import FsBlobStore
from shared.events import MailboxChanged
from shared.model import Account, FolderRole
from shared.streams import MAILBOX
from tests.factories import make_raw, new_message
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    PASSWORD,
    ImapStack,
    http_as,
    imap_stack_fixture,
)
from tests.integration.test_pipeline import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

IMAP_ENV = {
    "BUREAU_MAX_TAGS_PER_MESSAGE": "8",
    "BUREAU_MAX_TAGS_PER_ACCOUNT": "12",
    "BUREAU_MAX_TAG_CHANGES": "100",
}


@contextlib.contextmanager
def imap(stack: ImapStack, account: Account) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4("127.0.0.1", stack.imap_port, timeout=30)
    try:
        assert client.login(account.address, PASSWORD)[0] == "OK"
        yield client
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


async def filled(stack: ImapStack, count: int) -> Account:
    """An account whose Inbox holds `count` messages, every change relayed to the bus."""
    account = await stack.account()
    inbox = await stack.store.folder_by_role(account.id, FolderRole.INBOX)
    blobs = FsBlobStore(stack.data_dir / "blobs")
    for n in range(count):
        raw = make_raw(subject=f"m{n}")
        blob_id = await blobs.put(raw)
        await stack.store.deliver(new_message(account.id, inbox.id, raw, blob_id=blob_id))
    await relayed(stack)
    return account


async def relayed(stack: ImapStack) -> None:
    async def done() -> bool:
        return not await stack.store.unpublished_changes()

    await eventually(done, timeout=30)


async def published_since(stack: ImapStack, account: Account, seq: int) -> int:
    """How many changes of the account went onto the MAILBOX stream after `seq`."""
    nc = await nats.connect(stack.stack.nats_url)
    try:
        js = nc.jetstream()
        last = (await js.stream_info(MAILBOX.name)).state.last_seq
        subject = MailboxChanged.subject_for(account.id)
        count = 0
        for n in range(seq + 1, last + 1):
            if (await js.get_msg(MAILBOX.name, n)).subject == subject:
                count += 1
        return count
    finally:
        await nc.close()


async def stream_end(stack: ImapStack) -> int:
    nc = await nats.connect(stack.stack.nats_url)
    try:
        return int((await nc.jetstream().stream_info(MAILBOX.name)).state.last_seq)
    finally:
        await nc.close()


def permanent_flags(client: imaplib.IMAP4) -> bytes:
    """The PERMANENTFLAGS the server announced last."""
    return bytes(client.untagged_responses.get("PERMANENTFLAGS", [b""])[-1])


async def test_a_bulk_store_writes_each_message_once(imap_stack: ImapStack) -> None:
    stack = imap_stack
    account = await filled(stack, 20)
    watcher_ready, stored = asyncio.Event(), asyncio.Event()
    modseq, seq = await stack.store.highest_modseq(account.id), await stream_end(stack)
    keywords = [f"kw{i}" for i in range(5)]

    def watch() -> list[bytes]:
        """A second session with the folder open hears of the change (IMAP's consumer)."""
        with imap(stack, account) as client:
            assert client.select("INBOX")[0] == "OK"
            watcher_ready.set()
            asyncio.run_coroutine_threadsafe(stored.wait(), loop).result(30)
            _, data = client.noop()
            return [bytes(d) for d in client.untagged_responses.pop("FETCH", [])] or data

    def store() -> tuple[str, list[bytes]]:
        asyncio.run_coroutine_threadsafe(watcher_ready.wait(), loop).result(30)
        with imap(stack, account) as client:
            client.select("INBOX")
            status, data = client.store("1:*", "+FLAGS.SILENT", f"(\\Seen {' '.join(keywords)})")
            again = client.store("1:*", "+FLAGS.SILENT", f"({' '.join(keywords[:2])})")
            assert again[0] == "OK"
            _, fetched = client.fetch("20", "(FLAGS)")
            return status, [*data, *(f for f in fetched if isinstance(f, bytes))]

    loop = asyncio.get_running_loop()
    watching = asyncio.create_task(asyncio.to_thread(watch))
    status, data = await asyncio.to_thread(store)
    stored.set()
    assert status == "OK", data
    assert all(k.encode() in data[-1] for k in keywords) and b"\\Seen" in data[-1]
    # One journal entry per message, not one per keyword (and none for the repeat).
    assert await stack.store.highest_modseq(account.id) == modseq + 20
    await relayed(stack)
    assert await published_since(stack, account, seq) == 20
    heard = await watching
    assert len([line for line in heard if b"kw4" in line]) == 20, heard
    # The search service indexes the tags from the same entries.
    async with http_as(stack, account) as http:

        async def found() -> bool:
            async with http.get("/api/v1/search", params={"q": "tag:kw3"}) as resp:
                return int((await resp.json())["total"]) == 20

        await eventually(found, timeout=30)


async def test_keywords_past_the_bounds_answer_no_limit(imap_stack: ImapStack) -> None:
    stack = imap_stack
    account = await filled(stack, 30)

    def session() -> None:
        with imap(stack, account) as client:
            client.select("INBOX")
            assert b"\\*" in permanent_flags(client)
            many = " ".join(f"k{i}" for i in range(9))
            status, data = client.store("1", "+FLAGS", f"({many})")
            assert status == "NO" and data[0].startswith(b"[LIMIT]"), data
            status, data = client.store("1:*", "+FLAGS", "(a b c d)")  # 120 changes, 100 at most
            assert status == "NO" and data[0].startswith(b"[LIMIT]"), data
            status, data = client.store("1", "+FLAGS", f"({'x' * 65})")
            assert status == "NO" and data[0].startswith(b"[LIMIT]"), data
            _, fetched = client.fetch("1:*", "(FLAGS)")
            assert all(b"FLAGS ()" in f for f in fetched), fetched
            # Up to the account's twelve tags, then no new keyword.
            assert (
                client.store("1", "+FLAGS", f"({' '.join(f't{i}' for i in range(8))})")[0] == "OK"
            )
            status, _ = client.store("2", "+FLAGS", "(u0 u1 u2 u3)")
            assert status == "OK"
            assert b"\\*" not in permanent_flags(client) and b"u3" in permanent_flags(client)
            status, data = client.store("3", "+FLAGS", "(v0)")
            assert status == "NO" and data[0].startswith(b"[LIMIT]"), data
            assert client.store("3", "+FLAGS", "(t0 u0)")[0] == "OK"  # existing ones work
            status, data = client.store("1", "+FLAGS", "(u0)")  # a ninth on message 1
            assert status == "NO" and b"at most 8" in data[0], data
            assert client.store("1", "-FLAGS", "(t7)")[0] == "OK"
            assert client.store("1", "+FLAGS", "(u0)")[0] == "OK"
            status, data = client.append("INBOX", f"({many})", None, make_raw(subject="kw"))
            assert status == "NO" and data[0].startswith(b"[LIMIT]"), data
        with imap(stack, account) as client:
            status, data = client.select("INBOX")
            assert (status, data) == ("OK", [b"30"])
            flags = permanent_flags(client)
            assert b"\\*" not in flags and b"t0" in flags and b"\\Seen" in flags

    await asyncio.to_thread(session)
    assert len(await stack.store.tags(account.id)) == 12
    inbox = await stack.store.folder_by_role(account.id, FolderRole.INBOX)
    assert (await stack.store.folder(account.id, inbox.id)).total == 30


async def test_uidvalidity_is_new_for_every_folder(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()

    def session() -> list[int]:
        seen = []
        with imap(imap_stack, account) as client:
            for _ in range(3):  # within a second, where the clock gave the same one
                assert client.create("Reports")[0] == "OK"
                _, data = client.status("Reports", "(UIDVALIDITY)")
                seen.append(int(re.findall(rb"UIDVALIDITY (\d+)", data[0])[0]))
                assert client.delete("Reports")[0] == "OK"
        return seen

    seen = await asyncio.to_thread(session)
    assert len(set(seen)) == 3, seen


async def test_mailbox_names_with_control_characters_are_refused(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()

    def session() -> None:
        with imap(imap_stack, account) as client:
            # Modified UTF-7 (RFC 3501 §5.1.3) for U+202E and U+0000.
            for name, code in (("invoice&IC4-fdp.exe", b"U+202E"), ("a&AAA-b", b"U+0000")):
                status, data = client.create(name)
                assert status == "NO" and code in data[0], data
            status, data = client.rename("INBOX", "x&IGY-y")
            assert status == "NO" and b"U+2066" in data[0], data
            _, listed = client.list()
            assert not any(b"&IC4-" in line or b"&AAA-" in line for line in listed), listed

    await asyncio.to_thread(session)
    assert len(await imap_stack.store.folders(account.id)) == 6
