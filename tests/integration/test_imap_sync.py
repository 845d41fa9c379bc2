"""Several clients on one mailbox: flag changes and expunges seen by a second session
(NOOP and IDLE), MOVE seen by sessions idling on both folders, new mail by SMTP pushed in
IDLE, and the HTTP API and IMAP seeing each other's changes."""

from __future__ import annotations

import asyncio
import re

import pytest

from services.store.adapters.fs_blobs import FsBlobStore
from shared.model import FolderRole
from tests.factories import make_raw
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    ImapStack,
    http_as,
    imap_stack_fixture,
    uids_of,
)
from tests.integration.test_pipeline import eventually, send

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_flag_changes_and_expunges_reach_a_second_session(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    first = await imap_stack.login(account)
    for n in range(3):
        await first.append("INBOX", make_raw(subject=f"Shared {n}"))
    second = await imap_stack.login(account)
    await first.ok("SELECT INBOX")
    await second.ok("SELECT INBOX")
    await first.ok("STORE 2 +FLAGS.SILENT (\\Flagged Later)")
    noop = await second.ok("NOOP")
    assert noop.untagged == [b"2 FETCH (UID 2 FLAGS (\\Flagged Later))"]
    assert (await second.ok("NOOP")).untagged == []  # told once

    await first.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    await first.ok("EXPUNGE")
    # No EXPUNGE during FETCH, STORE or SEARCH: sequence numbers stay as the client knows.
    during = await second.ok("FETCH 1:3 UID")
    assert uids_of(during) == [1, 2, 3] and not during.lines("1 EXPUNGE")
    assert (await second.ok("SEARCH ALL")).lines("SEARCH") == [b"SEARCH 1 2 3"]
    told = await second.ok("NOOP")
    assert told.untagged == [b"1 EXPUNGE"]
    assert uids_of(await second.ok("FETCH 1:* UID")) == [2, 3]
    # A UID command may report the expunge at once.
    await first.ok("UID STORE 3 +FLAGS.SILENT (\\Deleted)")
    await first.ok("UID EXPUNGE 3")
    assert (await second.ok("UID FETCH 2 UID")).untagged == [b"1 FETCH (UID 2)", b"2 EXPUNGE"]
    await first.append("INBOX", make_raw(subject="Newcomer"))
    assert (await second.ok("NOOP")).untagged == [b"2 EXISTS"]
    await first.close()
    await second.close()


async def test_fetching_the_bytes_of_a_message_expunged_meanwhile(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    first = await imap_stack.login(account)
    for n in range(2):
        await first.append("INBOX", make_raw(subject=f"Fleeting {n}"))
    second = await imap_stack.login(account)
    await first.ok("SELECT INBOX")
    await second.ok("SELECT INBOX")
    inbox = await imap_stack.store.folder_by_role(account.id, FolderRole.INBOX)
    doomed = next(
        m for m in (await imap_stack.store.folder_uids(account.id, inbox.id)) if m.uid == 1
    )
    blob_id = (await imap_stack.store.message(account.id, doomed.id)).blob_id
    await first.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    await first.ok("EXPUNGE")
    blobs = FsBlobStore(imap_stack.data_dir / "blobs")

    async def collected() -> bool:
        return not await blobs.exists(blob_id)

    await eventually(collected)  # the housekeeping removed the bytes
    flags = await second.ok("FETCH 1:2 FLAGS")  # what the session holds still answers
    assert flags.untagged == [b"1 FETCH (FLAGS ())", b"2 FETCH (FLAGS ())"]
    fetched = await second.cmd("FETCH 1:2 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert fetched.status.startswith(b"NO [EXPUNGEISSUED]")
    assert len(fetched.untagged) == 1 and b"Fleeting 1" in fetched.untagged[0]
    assert (await second.ok("NOOP")).untagged == [b"1 EXPUNGE"]
    await first.close()
    await second.close()


async def test_move_seen_by_sessions_idling_on_both_folders(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    mover = await imap_stack.login(account)
    await mover.ok("CREATE Archive")
    for n in range(2):
        await mover.append("INBOX", make_raw(subject=f"Movable {n}"))
    inbox_watch = await imap_stack.login(account)
    archive_watch = await imap_stack.login(account)
    await inbox_watch.ok("SELECT INBOX")
    await archive_watch.ok("SELECT Archive")
    inbox_idle = await inbox_watch.idle()
    archive_idle = await archive_watch.idle()
    await mover.ok("SELECT INBOX")
    moved = await mover.ok("MOVE 1 Archive")
    assert moved.untagged[0].startswith(b"OK [COPYUID ") and moved.untagged[1] == b"1 EXPUNGE"
    assert (await inbox_watch.wait_for(rb"EXPUNGE"))[-1] == b"* 1 EXPUNGE"
    assert (await archive_watch.wait_for(rb"EXISTS"))[-1] == b"* 1 EXISTS"
    assert (await inbox_watch.done(inbox_idle)).ok
    assert (await archive_watch.done(archive_idle)).ok
    fetched = await archive_watch.ok("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert b"Subject: Movable 0" in fetched.untagged[0]
    for client in (mover, inbox_watch, archive_watch):
        await client.close()


async def test_mail_delivered_by_smtp_is_pushed_in_idle(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok("SELECT INBOX")
    tag = await client.idle()
    raw = make_raw(to=account.address, subject="Pushed")
    refused = await asyncio.to_thread(send, imap_stack.stack.smtp_port, raw, [account.address])
    assert refused == {}
    assert (await client.wait_for(rb"EXISTS", timeout=10))[-1] == b"* 1 EXISTS"
    assert (await client.done(tag)).ok
    fetched = await client.ok("FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"FLAGS ()" in fetched.untagged[0] and b"Subject: Pushed" in fetched.untagged[0]
    # IDLE ends with DONE only.
    tag = await client.idle()
    await client.send(b"NOOP\r\n")
    assert (await client.reply(tag)).status.startswith(b"BAD")
    await client.close()


async def test_imap_changes_show_in_the_http_api(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.append("INBOX", make_raw(subject="Seen on the web"))
    await client.ok("SELECT INBOX")
    await client.ok("STORE 1 +FLAGS.SILENT (\\Seen \\Flagged \\Deleted \\Answered)")
    inbox = await imap_stack.store.folder_by_role(account.id, FolderRole.INBOX)
    (message,) = (await imap_stack.store.messages(account.id, inbox.id)).items
    async with http_as(imap_stack, account) as http:
        resp = await http.get(f"/api/v1/messages/{message.id}")
        assert resp.status == 200
        body = await resp.json()
        assert (body["unread"], body["flagged"], body["deleted"]) == (False, True, True)
        assert (body["answered"], body["draft"]) == (True, False)
        await client.ok("EXPUNGE")
        assert (await http.get(f"/api/v1/messages/{message.id}")).status == 404
    await client.close()


async def test_http_changes_reach_an_idling_session_within_a_second(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    for n in range(2):
        await client.append("INBOX", make_raw(subject=f"Web {n}"))
    inbox = await imap_stack.store.folder_by_role(account.id, FolderRole.INBOX)
    trash = await imap_stack.store.folder_by_role(account.id, FolderRole.TRASH)
    by_uid = {m.uid: m for m in (await imap_stack.store.messages(account.id, inbox.id)).items}
    await client.ok("SELECT INBOX")
    tag = await client.idle()
    loop = asyncio.get_running_loop()
    async with http_as(imap_stack, account) as http:
        started = loop.time()
        resp = await http.patch(f"/api/v1/messages/{by_uid[1].id}", json={"unread": False})
        assert resp.status == 200, await resp.text()
        seen = await client.wait_for(rb"FETCH", timeout=1.0)
        assert seen[-1] == b"* 1 FETCH (UID 1 FLAGS (\\Seen))"
        assert loop.time() - started < 1.0
        resp = await http.post(
            "/api/v1/messages/actions",
            json={
                "action": "move",
                "selection": {"message_ids": [by_uid[2].id]},
                "folder_id": trash.id,
            },
        )
        assert resp.status == 200, await resp.text()
        assert (await client.wait_for(rb"EXPUNGE", timeout=1.0))[-1] == b"* 2 EXPUNGE"
    assert (await client.done(tag)).ok
    assert re.match(rb"SEARCH 1$", (await client.ok("SEARCH SEEN")).untagged[0])
    assert await eventually(lambda: _in_trash(imap_stack, account.id, trash.id))
    await client.close()


async def _in_trash(imap: ImapStack, account_id: str, trash_id: str) -> bool:
    return (await imap.store.messages(account_id, trash_id)).total == 1
