"""What IMAP needs of the mailbox store: \\Answered and \\Draft, flags given at delivery
(APPEND), a folder's UIDs with flags and keywords, subscriptions."""

from __future__ import annotations

import pytest

from shared.model import FlagChange, FolderRole, Selection
from shared.ports.mailbox import MailboxStore, NotFound
from tests.contracts.mailbox_support import BASE, account_with_mail, role
from tests.factories import make_raw, new_message


class ImapContract:
    async def test_answered_and_draft_flags(self, store: MailboxStore) -> None:
        account, _inbox, ids = await account_with_mail(store, 2)
        changed = await store.set_flags(
            account.id, Selection.of(ids[0]), FlagChange(answered=True, draft=True)
        )
        assert changed == [ids[0]]
        assert await store.set_flags(
            account.id, Selection.of(ids[0]), FlagChange(answered=True)
        ) == []  # fmt: skip
        message = await store.message(account.id, ids[0])
        assert message.answered and message.draft and message.unread
        other = await store.message(account.id, ids[1])
        assert not other.answered and not other.draft
        (journalled,) = [
            c for c in await store.changes_since(account.id, 0) if c.message_id == ids[0]
            and c.message is not None and c.message.answered
        ]  # fmt: skip
        assert journalled.message is not None and journalled.message.draft
        # A copy keeps its flags.
        (copy,) = await store.copy_messages(
            account.id, Selection.of(ids[0]), (await role(store, account, FolderRole.SENT)).id
        )
        copied = await store.message(account.id, copy)
        assert copied.answered and copied.draft

    async def test_flags_given_at_delivery(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        drafts = await role(store, account, FolderRole.DRAFTS)
        message = new_message(account.id, drafts.id, make_raw(subject="appended"))
        message = message.model_copy(
            update={"unread": False, "flagged": True, "answered": True, "draft": True,
                    "deleted": True, "received_at": BASE}
        )  # fmt: skip
        delivery = await store.deliver(message)
        stored = await store.message(account.id, delivery.message_id)
        assert (stored.unread, stored.flagged, stored.answered, stored.draft, stored.deleted) == (
            False, True, True, True, True,
        )  # fmt: skip
        assert stored.received_at == BASE

    async def test_folder_uids(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 3)
        tag = await store.create_tag(account.id, "$Label1", "#ff0000")
        await store.tag_messages(account.id, Selection.of(ids[1]), tag.id, add=True)
        await store.set_flags(account.id, Selection.of(ids[2]), FlagChange(deleted=True))
        entries = await store.folder_uids(account.id, inbox.id)
        assert [e.id for e in entries] == ids
        assert [e.blob_id for e in entries] == [
            (await store.message(account.id, i)).blob_id for i in ids
        ]
        assert [e.uid for e in entries] == sorted(e.uid for e in entries)
        assert len({e.uid for e in entries}) == 3
        assert entries[1].tags == ["$Label1"] and entries[0].tags == []
        assert [e.deleted for e in entries] == [False, False, True]
        assert all(e.unread and not e.answered for e in entries)
        stored = await store.message(account.id, ids[0])
        assert (entries[0].size, entries[0].received_at, entries[0].modseq) == (
            stored.size, stored.received_at, stored.modseq,
        )  # fmt: skip
        # Moved away and back: a new, higher UID.
        sent = await role(store, account, FolderRole.SENT)
        await store.move_messages(account.id, Selection.of(ids[0]), sent.id)
        await store.move_messages(account.id, Selection.of(ids[0]), inbox.id)
        after = await store.folder_uids(account.id, inbox.id)
        assert [e.id for e in after] == [ids[1], ids[2], ids[0]]
        assert after[-1].uid > entries[-1].uid
        assert await store.folder_uids(account.id, sent.id) == []
        with pytest.raises(NotFound):
            await store.folder_uids(account.id, "no-such-folder")
        bob = await store.create_account("bob@example.test", "hash")
        with pytest.raises(NotFound):
            await store.folder_uids(bob.id, inbox.id)

    async def test_highest_modseq_follows_the_journal(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        start = await store.highest_modseq(account.id)
        assert await store.changes_since(account.id, start) == []
        await account_with_mail(store, 2, "bob@example.test")  # another account's changes
        assert await store.highest_modseq(account.id) == start
        inbox = await role(store, account, FolderRole.INBOX)
        delivery = await store.deliver(new_message(account.id, inbox.id, make_raw()))
        await store.set_flags(
            account.id, Selection.of(delivery.message_id), FlagChange(unread=False)
        )
        latest = await store.highest_modseq(account.id)
        changes = await store.changes_since(account.id, start)
        assert len(changes) == 2 and changes[-1].modseq == latest
        assert await store.changes_since(account.id, latest) == []
        with pytest.raises(NotFound):
            await store.highest_modseq("no-such-account")

    async def test_subscriptions(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        assert await store.subscriptions(alice.id) == []
        await store.set_subscribed(alice.id, "Work/Clients", True)
        await store.set_subscribed(alice.id, "INBOX", True)
        await store.set_subscribed(alice.id, "INBOX", True)  # idempotent
        await store.set_subscribed(alice.id, "Gone", False)  # not subscribed: no error
        assert await store.subscriptions(alice.id) == ["INBOX", "Work/Clients"]
        assert await store.subscriptions(bob.id) == []
        await store.set_subscribed(alice.id, "INBOX", False)
        assert await store.subscriptions(alice.id) == ["Work/Clients"]
        with pytest.raises(NotFound):
            await store.set_subscribed("no-such-account", "INBOX", True)
