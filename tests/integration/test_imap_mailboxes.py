"""IMAP mailboxes: LIST (patterns, SPECIAL-USE, LIST-EXTENDED, LIST-STATUS), CREATE,
RENAME, DELETE, SUBSCRIBE/LSUB, STATUS, modified UTF-7 names, and QUOTA — checked
against the folders the store holds."""

from __future__ import annotations

import re

import pytest

from shared.model import Plan
from shared.ports.mailbox import NotFound
from tests.factories import make_raw
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    ImapStack,
    Reply,
    imap_stack_fixture,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

_LIST = re.compile(rb'(?:LIST|LSUB) \(([^)]*)\) "/" (.*)')


def listed(reply: Reply) -> dict[str, set[str]]:
    """Mailbox name → attributes of the LIST (or LSUB) responses."""
    out: dict[str, set[str]] = {}
    for line in reply.untagged:
        match = _LIST.match(line)
        if match:
            name = match.group(2).decode()
            name = name[1:-1] if name.startswith('"') else name
            out[name] = set(match.group(1).decode().split())
    return out


async def folder_paths(imap: ImapStack, account_id: str) -> set[str]:
    folders = await imap.store.folders(account_id)
    by_id = {f.id: f for f in folders}

    def path(folder_id: str) -> str:
        folder = by_id[folder_id]
        parent = folder.parent_id
        return f"{path(parent)}/{folder.name}" if parent else folder.name

    return {path(f.id) for f in folders}


async def test_list_patterns_hierarchy_and_special_use(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "Projects/2026/Q1"')  # missing parents are created
    await client.ok("CREATE Receipts/")  # a trailing delimiter is dropped
    everything = listed(await client.ok('LIST "" "*"'))
    assert everything == {
        "INBOX": {"\\HasNoChildren"},
        "Sent": {"\\HasNoChildren", "\\Sent"},
        "Drafts": {"\\HasNoChildren", "\\Drafts"},
        "Templates": {"\\HasNoChildren"},
        "Trash": {"\\HasNoChildren", "\\Trash"},
        "Spam": {"\\HasNoChildren", "\\Junk"},
        "Projects": {"\\HasChildren"},
        "Projects/2026": {"\\HasChildren"},
        "Projects/2026/Q1": {"\\HasNoChildren"},
        "Receipts": {"\\HasNoChildren"},
    }
    top = listed(await client.ok('LIST "" "%"'))
    assert set(top) == {
        "INBOX",
        "Sent",
        "Drafts",
        "Templates",
        "Trash",
        "Spam",
        "Projects",
        "Receipts",
    }
    assert set(listed(await client.ok('LIST "Projects/" "%"'))) == {"Projects/2026"}
    assert set(listed(await client.ok('LIST "" "Projects/*"'))) == {
        "Projects/2026",
        "Projects/2026/Q1",
    }
    assert set(listed(await client.ok('LIST "" "inbox"'))) == {"INBOX"}
    assert set(listed(await client.ok('LIST "" "*Q?"'))) == set()
    root = await client.ok('LIST "" ""')
    assert root.untagged == [b'LIST (\\Noselect) "/" ""']
    special = listed(await client.ok('LIST (SPECIAL-USE) "" "*"'))
    assert set(special) == {"Sent", "Drafts", "Trash", "Spam"}
    both = listed(await client.ok('LIST "" ("INBOX" "Sent") RETURN (SPECIAL-USE CHILDREN)'))
    assert both == {"INBOX": {"\\HasNoChildren"}, "Sent": {"\\HasNoChildren", "\\Sent"}}
    assert (await client.cmd('LIST (BOGUS) "" "*"')).status.startswith(b"BAD")
    assert await folder_paths(imap_stack, account.id) >= {"Projects/2026/Q1", "Receipts"}
    await client.close()


async def test_create_refusals(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok("CREATE Projects")
    for name, code in (
        ("INBOX", b"ALREADYEXISTS"),
        ("inbox", b"ALREADYEXISTS"),
        ("Projects", b"ALREADYEXISTS"),
        ("INBOX/Sub", b"CANNOT"),
        ("Sent/Sub", b"CANNOT"),
        ("Trash/Sub", b"CANNOT"),
        ("a//b", b"CANNOT"),
        ("Star*", b"CANNOT"),
    ):
        reply = await client.cmd(f'CREATE "{name}"')
        assert reply.status.startswith(b"NO [" + code + b"]"), (name, reply.text())
    await client.close()


async def test_names_in_modified_utf7_and_in_utf8_after_imap4rev2(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "&AMk-t&AOk-/R&AOk-sum&AOk-s"')  # "Été/Résumés"
    assert await folder_paths(imap_stack, account.id) >= {"Été", "Été/Résumés"}
    assert "&AMk-t&AOk-/R&AOk-sum&AOk-s" in listed(await client.ok('LIST "" "*"'))
    assert (await client.cmd('CREATE "&Jjo"')).status.startswith(b"BAD")  # not mUTF-7
    await client.ok("ENABLE IMAP4rev2")
    assert "Été/Résumés" in listed(await client.ok('LIST "" "*"'))
    await client.ok('SELECT "Été/Résumés"')
    await client.close()


async def test_rename_within_and_across_the_hierarchy(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "Projects/2026"')
    await client.ok("SUBSCRIBE Projects/2026")
    await client.append("Projects/2026", make_raw(subject="Plan"))
    await client.ok("RENAME Projects Work")
    assert {"Work", "Work/2026"} <= set(listed(await client.ok('LIST "" "*"')))
    await client.ok('RENAME "Work/2026" "Archive/Old/2026"')  # moves, parents made
    names = listed(await client.ok('LIST "" "*"'))
    assert {"Work", "Archive", "Archive/Old", "Archive/Old/2026"} <= set(names)
    assert "Work/2026" not in names
    assert await folder_paths(imap_stack, account.id) >= {"Archive/Old/2026"}
    status = await client.ok('STATUS "Archive/Old/2026" (MESSAGES)')
    assert status.lines("STATUS")[0].endswith(b"(MESSAGES 1)")  # the mail went along
    lsub = listed(await client.ok('LSUB "" "*"'))
    assert set(lsub) == {"Archive/Old/2026"}  # the subscription followed
    await client.ok("CREATE Other")
    taken = await client.cmd("RENAME Other Work")
    assert taken.status.startswith(b"NO [ALREADYEXISTS]")
    assert (await client.cmd("RENAME Sent Posted")).status.startswith(b"NO [CANNOT]")
    assert (await client.cmd("RENAME Work Work/Inner")).status.startswith(b"NO")
    assert (await client.cmd("RENAME Nowhere Else")).status.startswith(b"NO [NONEXISTENT]")
    await client.close()


async def test_rename_inbox_moves_its_messages(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    for n in range(2):
        await client.append("INBOX", make_raw(subject=f"Old {n}"))
    await client.ok('RENAME INBOX "Old mail"')
    status = await client.ok('STATUS "Old mail" (MESSAGES)')
    assert status.lines("STATUS")[0].endswith(b"(MESSAGES 2)")
    assert (await client.ok("STATUS INBOX (MESSAGES)")).lines("STATUS")[0].endswith(b"(MESSAGES 0)")
    await client.close()


async def test_delete_removes_messages_for_good_and_the_name(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "Old/Inner"')
    await client.ok("SUBSCRIBE Old/Inner")
    appended = await client.append("Old/Inner", make_raw(subject="Doomed"))
    assert appended.ok
    inner = await _folder_id(imap_stack, account.id, "Inner")
    stored = (await imap_stack.store.messages(account.id, inner)).items
    assert len(stored) == 1
    refused = await client.cmd("DELETE Old")
    assert refused.status.startswith(b"NO [CANNOT]")  # it has children
    for system in ("INBOX", "Trash", "Sent"):
        assert (await client.cmd(f"DELETE {system}")).status.startswith(b"NO"), system
    assert (await client.cmd("DELETE Nowhere")).status.startswith(b"NO [NONEXISTENT]")
    await client.ok('DELETE "Old/Inner"')
    await client.ok("DELETE Old")
    names = listed(await client.ok('LIST "" "*"'))
    assert not any("Old" in name or "Inner" in name for name in names), names
    assert not listed(await client.ok('LSUB "" "*"'))
    with pytest.raises(NotFound):
        await imap_stack.store.message(account.id, stored[0].id)
    await client.ok('CREATE "Old/Inner"')  # the names are free again
    await client.ok("SELECT Old/Inner")
    await client.close()


async def test_renaming_into_trash_is_bureaus_delete(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok("CREATE Clients")
    await client.append("Clients", make_raw(subject="Keep me"))
    await client.ok('RENAME Clients "Trash/Clients"')
    names = listed(await client.ok('LIST "" "*"'))
    assert "Clients" not in names and names["Trash"] == {"\\HasChildren", "\\Trash"}
    assert "Trash/Clients" in names
    status = await client.ok('STATUS "Trash/Clients" (MESSAGES)')
    assert status.lines("STATUS")[0].endswith(b"(MESSAGES 1)")
    await client.ok('DELETE "Trash/Clients"')  # from Trash: gone for good
    names = listed(await client.ok('LIST "" "*"'))
    assert "Trash/Clients" not in names and names["Trash"] == {"\\HasNoChildren", "\\Trash"}
    # The store keeps the emptied folder in Trash until Trash is emptied; IMAP hides it.
    kept = next(f for f in await imap_stack.store.folders(account.id) if f.name == "Clients")
    assert (await imap_stack.store.messages(account.id, kept.id)).total == 0
    await client.close()


async def _folder_id(imap: ImapStack, account_id: str, name: str) -> str:
    return next(f.id for f in await imap.store.folders(account_id) if f.name == name)


async def test_subscriptions_lsub_and_list_extended(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    await client.ok('CREATE "Lists/Python"')
    await client.ok("SUBSCRIBE INBOX")
    await client.ok('SUBSCRIBE "Lists/Python"')
    assert (await client.cmd("SUBSCRIBE Nowhere")).status.startswith(b"NO")
    assert set(listed(await client.ok('LSUB "" "*"'))) == {"INBOX", "Lists/Python"}
    subscribed = listed(await client.ok('LIST (SUBSCRIBED) "" "*"'))
    assert subscribed == {
        "INBOX": {"\\HasNoChildren", "\\Subscribed"},
        "Lists/Python": {"\\HasNoChildren", "\\Subscribed"},
    }
    recursive = await client.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    assert recursive.untagged == [
        b'LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
        b'LIST (\\HasChildren) "/" Lists ("CHILDINFO" ("SUBSCRIBED"))',
    ]
    marked = listed(await client.ok('LIST "" "*" RETURN (SUBSCRIBED)'))
    assert "\\Subscribed" in marked["INBOX"] and "\\Subscribed" not in marked["Sent"]
    await client.ok('UNSUBSCRIBE "Lists/Python"')
    assert set(listed(await client.ok('LSUB "" "*"'))) == {"INBOX"}
    assert await imap_stack.store.subscriptions(account.id) == ["INBOX"]
    await client.close()


async def test_status_and_list_status(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    sizes = []
    for n, flags in enumerate(("", "\\Seen", "\\Deleted \\Seen")):
        raw = make_raw(subject=f"Status {n}")
        sizes.append(len(raw))
        await client.append("INBOX", raw, flags)
    status = await client.ok(
        "STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED)"
    )
    inbox = await imap_stack.store.folder(account.id, await _inbox_id(imap_stack, account.id))
    assert status.lines("STATUS") == [
        b"STATUS INBOX (MESSAGES 3 RECENT 0 UIDNEXT 4 UIDVALIDITY %d UNSEEN 1 SIZE %d DELETED 1)"
        % (inbox.uidvalidity, sum(sizes))
    ]
    assert (await client.cmd("STATUS INBOX (BOGUS)")).status.startswith(b"BAD")
    assert (await client.cmd("STATUS Nowhere (MESSAGES)")).status.startswith(b"NO [NONEXISTENT]")
    both = await client.ok('LIST "" "INBOX" RETURN (STATUS (MESSAGES UNSEEN))')
    assert both.untagged == [
        b'LIST (\\HasNoChildren) "/" INBOX',
        b"STATUS INBOX (MESSAGES 3 UNSEEN 1)",
    ]
    await client.close()


async def _inbox_id(imap: ImapStack, account_id: str) -> str:
    return next(f.id for f in await imap.store.folders(account_id) if f.role == "inbox")


async def test_quota_of_the_plan(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    client = await imap_stack.login(account)
    unlimited = await client.ok("GETQUOTAROOT INBOX")
    assert unlimited.untagged == [b"QUOTAROOT INBOX"]
    assert (await client.cmd('GETQUOTA ""')).status.startswith(b"NO [NONEXISTENT]")
    await imap_stack.store.set_plan(Plan(name="imap-small", storage_bytes=20 * 1024))
    await imap_stack.store.assign_plan(account.id, "imap-small")
    raw = make_raw(subject="Counted", body="x" * 3000)
    await client.append("INBOX", raw)
    limited = await client.ok("GETQUOTAROOT INBOX")
    used = (len(raw) + 1023) // 1024
    assert limited.untagged == [
        b'QUOTAROOT INBOX ""',
        b'QUOTA "" (STORAGE %d 20)' % used,
    ]
    assert (await client.ok('GETQUOTA ""')).untagged == [b'QUOTA "" (STORAGE %d 20)' % used]
    too_big = await client.append("INBOX", make_raw(body="y" * 30_000), plus=False)
    assert too_big.status.startswith(b"NO [OVERQUOTA]"), too_big.text()
    assert (await client.cmd('SETQUOTA "" (STORAGE 99999)')).status.startswith(b"NO [NOPERM]")
    await client.close()
