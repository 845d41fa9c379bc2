"""IMAP SEARCH and UID SEARCH over real stored mail: flag, header, body, date, size and set
keys, NOT and OR, ESEARCH results (RETURN, and always after ENABLE IMAP4rev2), SAVE into
`$`, and charsets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_raw
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    Conversation,
    ImapStack,
    imap_stack_fixture,
    search_result,
    uids_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAIL = [
    # (sender, subject, body, flags, internal date, sent date)
    ("Alice <alice@example.net>", "Budget 2026", "The figures are final.", "\\Seen",
     "02-Jan-2026 09:00:00 +0000", datetime(2026, 1, 1, 12, tzinfo=UTC)),
    ("Bob <bob@example.org>", "Lunch?", "Pizza at noon, zeppelin optional.", "\\Flagged",
     "10-Jan-2026 12:00:00 +0000", datetime(2026, 1, 10, 11, tzinfo=UTC)),
    ("Carol <carol@example.net>", "Re: Budget 2026", "Figures look fine." + " padding" * 400,
     "\\Seen \\Answered Urgent", "20-Jan-2026 18:30:00 +0000",
     datetime(2026, 1, 20, 18, tzinfo=UTC)),
    ("Dave <dave@example.com>", "Café au lait", "On se voit au café ?", "\\Deleted",
     "01-Feb-2026 08:00:00 +0000", datetime(2026, 2, 1, 7, tzinfo=UTC)),
]  # fmt: skip


async def mailbox_with_mail(imap: ImapStack) -> Conversation:
    account = await imap.account()
    client = await imap.login(account)
    for sender, subject, body, flags, internal, sent in MAIL:
        raw = make_raw(sender=sender, to=account.address, subject=subject, body=body, date=sent)
        assert (await client.append("INBOX", raw, flags, internal)).ok
    await client.ok("SELECT INBOX")
    return client


async def test_search_keys(imap_stack: ImapStack) -> None:
    client = await mailbox_with_mail(imap_stack)

    async def search(criteria: str) -> list[int]:
        return search_result(await client.ok(f"SEARCH {criteria}"))

    assert await search("ALL") == [1, 2, 3, 4]
    assert await search("SEEN") == [1, 3]
    assert await search("UNSEEN") == [2, 4]
    assert await search("FLAGGED") == [2]
    assert await search("ANSWERED") == [3]
    assert await search("DELETED") == [4]
    assert await search("UNDELETED UNSEEN") == [2]
    assert await search("KEYWORD Urgent") == [3]
    assert await search("UNKEYWORD urgent") == [1, 2, 4]
    assert await search("FROM example.net") == [1, 3]
    assert await search('SUBJECT "budget 2026"') == [1, 3]
    assert await search("SUBJECT café") == [4]
    assert await search("BODY zeppelin") == [2]
    assert await search("TEXT carol") == [3]  # the header counts for TEXT
    assert await search('HEADER Message-ID "@example.net"') == [1, 2, 3, 4]
    assert await search("SINCE 10-Jan-2026") == [2, 3, 4]
    assert await search("BEFORE 10-Jan-2026") == [1]
    assert await search("ON 20-Jan-2026") == [3]
    assert await search("SENTBEFORE 2-Jan-2026") == [1]
    assert await search("SENTSINCE 1-Feb-2026") == [4]
    assert await search("LARGER 2000") == [3]
    assert await search("SMALLER 2000") == [1, 2, 4]
    assert await search("2:3") == [2, 3]
    assert await search("UID 3:*") == [3, 4]
    assert await search("NOT SEEN") == [2, 4]
    assert await search("OR FLAGGED DELETED") == [2, 4]
    assert await search("(SEEN FROM alice) ") == [1]
    assert await search("CHARSET UTF-8 SUBJECT lunch") == [2]
    refused = await client.cmd("SEARCH CHARSET KOI8-R ALL")
    assert refused.status.startswith(b"NO [BADCHARSET")
    assert (await client.cmd("SEARCH BOGUS")).status.startswith(b"BAD")
    assert (await client.cmd("SEARCH SINCE yesterday")).status.startswith(b"BAD")
    await client.close()


async def test_uid_search_esearch_and_saved_results(imap_stack: ImapStack) -> None:
    client = await mailbox_with_mail(imap_stack)
    await client.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    await client.ok("EXPUNGE")  # 1 and 4 (\Deleted already) go: UIDs 2 and 3 are left
    assert search_result(await client.ok("UID SEARCH UNSEEN")) == [2]
    esearch = await client.ok("UID SEARCH RETURN (MIN MAX COUNT ALL) UNDELETED")
    assert esearch.lines("ESEARCH") == [
        b'ESEARCH (TAG "t%d") UID MIN 2 MAX 3 COUNT 2 ALL 2:3' % client._tags
    ]
    count = await client.ok("SEARCH RETURN (COUNT) FROM nobody")
    assert count.lines("ESEARCH") == [b'ESEARCH (TAG "t%d") COUNT 0' % client._tags]
    saved = await client.ok("SEARCH RETURN (SAVE) FROM example.net")
    assert saved.lines("ESEARCH") == []
    assert uids_of(await client.ok("FETCH $ UID")) == [3]
    assert search_result(await client.ok("SEARCH $ SEEN")) == [2]
    await client.ok("ENABLE IMAP4rev2")
    rev2 = await client.ok("SEARCH FLAGGED")
    assert rev2.lines("ESEARCH") == [b'ESEARCH (TAG "t%d") ALL 1' % client._tags]
    await client.close()
