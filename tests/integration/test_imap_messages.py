"""IMAP messages in a selected mailbox: APPEND and FETCH (byte for byte, partial, \\Seen),
sequence and UID sets with `*`, STORE of flags and keywords, \\Deleted kept until
EXPUNGE, COPY and MOVE with COPYUID, CLOSE — checked against the store."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from shared.model import Account, FolderRole, MessageSummary
from shared.ports.mailbox import NotFound
from tests.factories import make_raw
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    Conversation,
    ImapStack,
    imap_stack_fixture,
    uids_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

RAW = (
    b"From: =?utf-8?q?Zo=C3=A9?= <zoe@example.net>\r\n"
    b"To: someone@example.test\r\n"
    b"Subject: Caf\xc3\xa9 tomorrow\r\n"
    b"Date: Fri, 15 Mar 2024 10:20:30 +0100\r\n"
    b"Message-ID: <cafe@example.net>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Shall we meet at the caf\xc3\xa9 at ten?\r\n"
    b"-- \r\nZo\xc3\xa9\r\n"
)


async def inbox_messages(
    imap: ImapStack, account: Account, role: FolderRole = FolderRole.INBOX
) -> list[MessageSummary]:
    folder = await imap.store.folder_by_role(account.id, role)
    return (await imap.store.messages(account.id, folder.id, limit=500)).items


async def filled(imap: ImapStack, count: int, **flags: str) -> tuple[Account, Conversation]:
    account = await imap.account()
    client = await imap.login(account)
    for n in range(1, count + 1):
        await client.append("INBOX", make_raw(subject=f"Message {n}"), flags.get(str(n), ""))
    await client.ok("SELECT INBOX")
    return account, client


async def test_append_with_flags_and_date_then_fetch_back_byte_identical(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    appended = await client.append(
        "INBOX", RAW, "\\Seen \\Flagged \\Answered $Important", "15-Mar-2024 10:20:30 +0100",
        plus=False,
    )  # fmt: skip
    inbox = await imap_stack.store.folder_by_role(account.id, FolderRole.INBOX)
    assert appended.status == b"OK [APPENDUID %d 1] APPEND completed" % inbox.uidvalidity
    (stored,) = await inbox_messages(imap_stack, account)
    assert not stored.unread and stored.flagged and stored.answered and not stored.draft
    assert stored.tags == ["$Important"] and stored.subject == "Café tomorrow"
    assert stored.received_at == datetime(2024, 3, 15, 9, 20, 30, tzinfo=UTC)
    assert "$Important" in [t.name for t in await imap_stack.store.tags(account.id)]

    selected = await client.ok("SELECT INBOX")
    assert b"$Important" in selected.lines("FLAGS")[0]
    fetched = await client.ok("UID FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    (line,) = fetched.untagged
    assert line.startswith(b"1 FETCH (UID 1 FLAGS (\\Answered \\Flagged \\Seen $Important) ")
    date = re.search(rb'INTERNALDATE "([^"]+)"', line)
    assert date is not None
    assert datetime.strptime(date.group(1).decode(), "%d-%b-%Y %H:%M:%S %z") == stored.received_at
    assert b"RFC822.SIZE %d " % len(RAW) in line
    assert line.endswith(b"BODY[] {%d}" % len(RAW) + RAW + b")")

    draft = await client.append("Drafts", make_raw(subject="Unfinished"), "\\Draft")
    assert draft.ok
    (saved,) = await inbox_messages(imap_stack, account, FolderRole.DRAFTS)
    assert saved.draft and saved.unread
    missing = await client.append("Nowhere", RAW)
    assert missing.status.startswith(b"NO [TRYCREATE]")
    bad_date = await client.append("INBOX", RAW, date="31-Foo-2024 10:00:00 +0000")
    assert bad_date.status.startswith(b"BAD")
    await client.close()


async def test_partial_fetch_sections_and_structure(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.append("INBOX", RAW, "\\Seen")
    await client.ok("SELECT INBOX")
    partial = await client.ok("FETCH 1 (BODY.PEEK[]<0.10> BODY.PEEK[]<10.5>)")
    assert partial.untagged == [
        b"1 FETCH (BODY[]<0> {10}" + RAW[:10] + b" BODY[]<10> {5}" + RAW[10:15] + b")"
    ]
    header = await client.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)])")
    assert (
        b"Subject: Caf\xc3\xa9 tomorrow\r\nDate: Fri, 15 Mar 2024 10:20:30 +0100\r\n\r\n"
        in header.untagged[0]
    )
    text = await client.ok("FETCH 1 BODY.PEEK[TEXT]")
    assert text.untagged[0].endswith(RAW.split(b"\r\n\r\n", 1)[1] + b")")
    summary = await client.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE)")
    assert b'"<cafe@example.net>"' in summary.untagged[0]
    structure = summary.untagged[0].upper()
    assert b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "UTF-8")' in structure
    await client.close()


async def test_fetch_of_content_sets_seen_unless_peek_or_read_only(imap_stack: ImapStack) -> None:
    account, client = await filled(imap_stack, 2)
    peek = await client.ok("FETCH 1 BODY.PEEK[HEADER]")
    assert b"FLAGS" not in peek.untagged[0]
    read = await client.ok("FETCH 1 BODY[HEADER.FIELDS (SUBJECT)]")
    assert b"FLAGS (\\Seen)" in read.untagged[0]
    again = await client.ok("FETCH 1 (FLAGS BODY[TEXT])")
    assert again.untagged[0].count(b"FLAGS") == 1
    first, second = sorted(await inbox_messages(imap_stack, account), key=lambda m: m.uid)
    assert not first.unread and second.unread
    await client.ok("EXAMINE INBOX")
    examined = await client.ok("FETCH 2 (BODY[] FLAGS)")
    assert b"FLAGS ()" in examined.untagged[0]
    after = sorted(await inbox_messages(imap_stack, account), key=lambda m: m.uid)
    assert [m.unread for m in after] == [False, True]
    await client.close()


async def test_sequence_and_uid_sets_with_star(imap_stack: ImapStack) -> None:
    _, client = await filled(imap_stack, 3)
    assert uids_of(await client.ok("UID FETCH 5:* UID")) == [3]  # past the last UID
    assert uids_of(await client.ok("UID FETCH * UID")) == [3]
    assert uids_of(await client.ok("UID FETCH 2:4 UID")) == [2, 3]
    assert uids_of(await client.ok("UID FETCH 1,3 FLAGS")) == [1, 3]
    assert uids_of(await client.ok("FETCH 2:* UID")) == [2, 3]
    assert uids_of(await client.ok("FETCH *:2 UID")) == [2, 3]
    assert (await client.ok("UID FETCH 100 UID")).untagged == []
    assert (await client.cmd("FETCH 4 UID")).status.startswith(b"BAD")
    assert (await client.cmd("FETCH 0 UID")).status.startswith(b"BAD")
    await client.close()


async def test_store_flags_and_keywords(imap_stack: ImapStack) -> None:
    account, client = await filled(imap_stack, 3)
    added = await client.ok("STORE 1:2 +FLAGS (\\Seen \\Flagged)")
    assert added.untagged == [
        b"1 FETCH (FLAGS (\\Flagged \\Seen))",
        b"2 FETCH (FLAGS (\\Flagged \\Seen))",
    ]
    await client.ok("STORE 2 -FLAGS (\\Flagged)")
    keyword = await client.ok("UID STORE 3 +FLAGS (Project-X \\Answered \\Recent)")
    assert keyword.lines("FLAGS (")[0].startswith(
        b"FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft Project-X"
    )
    assert b"3 FETCH (UID 3 FLAGS (\\Answered Project-X))" in keyword.untagged
    silent = await client.ok("STORE 1 FLAGS.SILENT (\\Draft project-x)")
    assert silent.untagged == []
    by_uid = {m.uid: m for m in await inbox_messages(imap_stack, account)}
    assert (by_uid[1].unread, by_uid[1].flagged, by_uid[1].draft, by_uid[1].tags) == (
        True, False, True, ["Project-X"],
    )  # fmt: skip
    assert (by_uid[2].unread, by_uid[2].flagged) == (False, False)
    assert by_uid[3].answered and by_uid[3].tags == ["Project-X"]
    tags = [t for t in await imap_stack.store.tags(account.id) if t.name == "Project-X"]
    assert len(tags) == 1 and tags[0].color == "#808080"
    removed = await client.ok("STORE 3 -FLAGS (project-x)")
    assert removed.untagged == [b"3 FETCH (FLAGS (\\Answered))"]
    flags = await client.ok("FETCH 1:3 FLAGS")
    assert flags.untagged == [
        b"1 FETCH (FLAGS (\\Draft Project-X))",
        b"2 FETCH (FLAGS (\\Seen))",
        b"3 FETCH (FLAGS (\\Answered))",
    ]
    assert (await client.cmd("STORE 1 +FLAGS (\\Bogus)")).status.startswith(b"BAD")
    assert (await client.cmd("STORE 1 COLOR (red)")).status.startswith(b"BAD")
    await client.ok("EXAMINE INBOX")
    assert (await client.cmd("STORE 1 +FLAGS (\\Seen)")).status.startswith(b"NO")
    await client.close()


async def test_deleted_is_kept_until_expunge(imap_stack: ImapStack) -> None:
    account, client = await filled(imap_stack, 5)
    await client.ok("STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    by_uid = {m.uid: m for m in await inbox_messages(imap_stack, account)}
    assert [by_uid[u].deleted for u in range(1, 6)] == [False, True, False, True, False]
    expunged = await client.ok("EXPUNGE")
    assert expunged.untagged == [b"2 EXPUNGE", b"3 EXPUNGE"]
    assert sorted(m.uid for m in await inbox_messages(imap_stack, account)) == [1, 3, 5]
    with pytest.raises(NotFound):
        await imap_stack.store.message(account.id, by_uid[2].id)
    await client.ok("STORE 1:3 +FLAGS.SILENT (\\Deleted)")
    only = await client.ok("UID EXPUNGE 3")
    assert only.untagged == [b"2 EXPUNGE"]
    assert uids_of(await client.ok("FETCH 1:* UID")) == [1, 5]
    closed = await client.ok("CLOSE")
    assert closed.untagged == []  # CLOSE expunges silently
    assert sorted(m.uid for m in await inbox_messages(imap_stack, account)) == []
    await client.ok("SELECT INBOX")
    await client.close()


async def test_expunge_is_refused_read_only(imap_stack: ImapStack) -> None:
    account, client = await filled(imap_stack, 1, **{"1": "\\Deleted"})
    await client.ok("EXAMINE INBOX")
    assert (await client.cmd("EXPUNGE")).status.startswith(b"NO")
    await client.ok("CLOSE")  # read-only: nothing is removed
    assert len(await inbox_messages(imap_stack, account)) == 1
    await client.close()


async def test_copy_and_move_with_copyuid(imap_stack: ImapStack) -> None:
    account, client = await filled(imap_stack, 4, **{"1": "\\Seen"})
    await client.ok("CREATE Archive")
    archive = next(f for f in await imap_stack.store.folders(account.id) if f.name == "Archive")
    copied = await client.ok("COPY 1:2 Archive")
    assert copied.status == b"OK [COPYUID %d 1:2 1:2] COPY completed" % archive.uidvalidity
    archived = (await imap_stack.store.messages(account.id, archive.id)).items
    assert sorted(m.subject for m in archived) == ["Message 1", "Message 2"]
    assert {m.subject: m.unread for m in archived} == {"Message 1": False, "Message 2": True}
    assert len(await inbox_messages(imap_stack, account)) == 4
    moved = await client.ok("UID MOVE 2:3 Archive")
    assert moved.untagged == [
        b"OK [COPYUID %d 2:3 3:4] Moved" % archive.uidvalidity,
        b"2 EXPUNGE",
        b"2 EXPUNGE",
    ]
    assert sorted(m.uid for m in await inbox_messages(imap_stack, account)) == [1, 4]
    assert len((await imap_stack.store.messages(account.id, archive.id)).items) == 4
    assert (await client.cmd("COPY 1 Nowhere")).status.startswith(b"NO [TRYCREATE]")
    assert (await client.cmd("MOVE 1 Nowhere")).status.startswith(b"NO [TRYCREATE]")
    await client.ok("SELECT Archive")
    assert uids_of(await client.ok("FETCH 1:* UID")) == [1, 2, 3, 4]
    await client.close()
