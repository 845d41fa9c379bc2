"""Delivery and message operations (F19, F38, F39, F51; `shared.ports.messages.Messages`)
every mailbox adapter keeps, with what IMAP needs of them: \\Answered and \\Draft, flags
given at delivery (APPEND), a folder's UIDs with flags and keywords."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shared.events import ChangeKind
from shared.model import FlagChange, FolderRole, Selection, SortKey
from shared.ports.mailbox import MailboxStore, NotFound
from tests.contracts.mailbox_support import BASE, account_with_mail, role
from tests.factories import make_raw, new_message


class MessagesContract:
    """The contract of `Messages`."""

    async def test_deliver_counts_and_lists_newest_first(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        base = datetime(2026, 1, 1, tzinfo=UTC)
        for i in range(5):
            raw = make_raw(subject=f"message {i}", date=base + timedelta(hours=i))
            await store.deliver(new_message(account.id, inbox.id, raw))
        page = await store.messages(account.id, inbox.id, offset=0, limit=2)
        assert page.total == 5
        assert [m.subject for m in page.items] == ["message 4", "message 3"]
        page = await store.messages(account.id, inbox.id, offset=4, limit=2)
        assert [m.subject for m in page.items] == ["message 0"]
        inbox = await store.folder(account.id, inbox.id)
        assert (inbox.total, inbox.unread) == (5, 5)

    async def test_deliver_is_idempotent_by_event(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        message = new_message(account.id, inbox.id, make_raw())
        first = await store.deliver(message)
        second = await store.deliver(message)
        assert first.created and not second.created
        assert first.message_id == second.message_id
        assert (await store.folder(account.id, inbox.id)).total == 1
        assert len(await store.changes_since(account.id, 0)) == 1

    async def test_concurrent_duplicate_deliveries_store_once(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        message = new_message(account.id, inbox.id, make_raw())
        results = await asyncio.gather(*(store.deliver(message) for _ in range(5)))
        assert sum(r.created for r in results) <= 1
        assert (await store.messages(account.id, inbox.id)).total == 1

    async def test_message_details(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        raw = make_raw(
            subject="Données été",
            body="le corps\n",
            html="<p>le <b>corps</b></p>",
            attachment=("report.pdf", b"%PDF-1.4 data"),
        )
        delivery = await store.deliver(new_message(account.id, inbox.id, raw))
        stored = await store.message(account.id, delivery.message_id)
        assert stored.subject == "Données été"
        assert stored.sender is not None and stored.sender.address == "bob@example.net"
        assert stored.text_body.strip() == "le corps"
        assert "<b>corps</b>" in stored.html_body
        assert [a.filename for a in stored.attachments] == ["report.pdf"]
        assert stored.has_attachments and stored.unread
        assert ("Subject", "Données été") in stored.headers

    async def test_other_accounts_ids_are_not_found(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
        delivery = await store.deliver(new_message(alice.id, inbox.id, make_raw()))
        with pytest.raises(NotFound):
            await store.message(bob.id, delivery.message_id)
        with pytest.raises(NotFound):
            await store.folder(bob.id, inbox.id)
        with pytest.raises(NotFound):
            await store.messages(bob.id, inbox.id)

    async def test_threads_follow_references(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        first = await store.deliver(
            new_message(account.id, inbox.id, make_raw(message_id="<root@example.net>"))
        )
        reply = await store.deliver(
            new_message(
                account.id,
                inbox.id,
                make_raw(subject="Re: x", in_reply_to="<root@example.net>"),
            )
        )
        other = await store.deliver(new_message(account.id, inbox.id, make_raw()))
        a = await store.message(account.id, first.message_id)
        b = await store.message(account.id, reply.message_id)
        c = await store.message(account.id, other.message_id)
        assert a.thread_id == b.thread_id != c.thread_id

    async def test_malformed_message_is_stored(self, store: MailboxStore) -> None:
        from shared.mail.mime import parse_message

        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        raw = b"Subject: =?broken\r\nContent-Type: multipart/mixed\r\n\r\n\xff\xfe no boundary"
        message = new_message(account.id, inbox.id, raw)
        assert message.parsed == parse_message(raw)
        delivery = await store.deliver(message)
        stored = await store.message(account.id, delivery.message_id)
        assert stored.date == message.received_at

    async def test_flags_counters_and_journal(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 3)
        start = (await store.changes_since(account.id, 0))[-1].modseq
        changed = await store.set_flags(
            account.id, Selection.of(ids[0], ids[1]), FlagChange(unread=False, flagged=True)
        )
        assert changed == [ids[0], ids[1]]
        again = await store.set_flags(account.id, Selection.of(ids[0]), FlagChange(unread=False))
        assert again == []  # nothing to change, nothing journaled
        assert (await store.folder(account.id, inbox.id)).unread == 1
        message = await store.message(account.id, ids[0])
        assert not message.unread and message.flagged and message.modseq > start
        updates = await store.changes_since(account.id, start)
        assert [(c.kind, c.message_id) for c in updates] == [
            (ChangeKind.MESSAGE_UPDATED, ids[0]),
            (ChangeKind.MESSAGE_UPDATED, ids[1]),
        ]
        assert updates[0].message is not None and updates[0].message.flagged
        await store.set_flags(account.id, Selection.of(ids[2]), FlagChange(deleted=True))
        assert (await store.message(account.id, ids[2])).deleted

    async def test_selection_by_folder_and_date(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 5)
        cutoff = BASE + timedelta(hours=2)
        older = await store.select(account.id, Selection(folder_id=inbox.id, before=cutoff))
        assert older == ids[:2]
        assert await store.select(account.id, Selection(folder_id=inbox.id)) == ids
        trash = await role(store, account, FolderRole.TRASH)
        moved = await store.move_messages(
            account.id, Selection(folder_id=inbox.id, before=cutoff), trash.id
        )
        assert moved == ids[:2]
        assert (await store.folder(account.id, inbox.id)).total == 3

    async def test_selection_is_scoped_to_the_account(self, store: MailboxStore) -> None:
        alice, inbox, ids = await account_with_mail(store, 2)
        bob, _, _ = await account_with_mail(store, 0, "bob@example.test")
        assert await store.select(bob.id, Selection.of(*ids)) == []
        assert await store.set_flags(bob.id, Selection.of(*ids), FlagChange(flagged=True)) == []
        with pytest.raises(NotFound):
            await store.select(bob.id, Selection(folder_id=inbox.id))
        bob_inbox = await role(store, bob, FolderRole.INBOX)
        with pytest.raises(NotFound):
            await store.move_messages(alice.id, Selection.of(*ids), bob_inbox.id)

    async def test_move_gives_new_uids_and_counts(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 3)
        uids = [(await store.message(account.id, i)).uid for i in ids]
        assert uids == sorted(uids) and len(set(uids)) == 3
        work = await store.create_folder(account.id, "Work", None)
        assert await store.move_messages(account.id, Selection.of(*ids), work.id) == ids
        assert await store.move_messages(account.id, Selection.of(*ids), work.id) == []
        moved = [await store.message(account.id, i) for i in ids]
        assert [m.uid for m in moved] == [1, 2, 3]
        work = await store.folder(account.id, work.id)
        assert (work.total, work.unread, work.uidnext) == (3, 3, 4)
        assert (await store.folder(account.id, inbox.id)).total == 0
        change = (await store.changes_since(account.id, 0))[-1]
        assert change.previous_folder_id == inbox.id and change.folder_id == work.id

    async def test_copy_shares_the_blob(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 2)
        work = await store.create_folder(account.id, "Work", None)
        copies = await store.copy_messages(account.id, Selection.of(*ids), work.id)
        assert len(copies) == 2 and not set(copies) & set(ids)
        original, copy = (
            await store.message(account.id, ids[0]),
            await store.message(account.id, copies[0]),
        )
        assert copy.blob_id == original.blob_id and copy.subject == original.subject
        assert copy.folder_id == work.id
        assert (await store.folder(account.id, inbox.id)).total == 2
        kinds = [c.kind for c in await store.changes_since(account.id, 0)]
        assert kinds.count(ChangeKind.MESSAGE_ADDED) == 4

    async def test_trash_restore_destroy(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 3)
        work = await store.create_folder(account.id, "Work", None)
        await store.move_messages(account.id, Selection.of(ids[1]), work.id)
        trash = await role(store, account, FolderRole.TRASH)
        assert await store.trash_messages(account.id, Selection.of(ids[0], ids[1])) == ids[:2]
        trashed = await store.message(account.id, ids[1])
        assert trashed.folder_id == trash.id and trashed.trashed_from == work.id
        assert await store.restore_messages(account.id, Selection.of(ids[0], ids[1], ids[2])) == [
            ids[0],
            ids[1],
        ]
        assert (await store.message(account.id, ids[0])).folder_id == inbox.id
        restored = await store.message(account.id, ids[1])
        assert restored.folder_id == work.id and restored.trashed_from is None
        # Deleting what is already in Trash removes it for good.
        await store.trash_messages(account.id, Selection.of(ids[2]))
        assert await store.trash_messages(account.id, Selection.of(ids[2])) == [ids[2]]
        with pytest.raises(NotFound):
            await store.message(account.id, ids[2])
        removal = await store.destroy_messages(account.id, Selection.of(ids[0]))
        assert removal.message_ids == [ids[0]] and removal.freed_bytes > 0

    async def test_restore_to_inbox_when_origin_is_gone(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 1)
        work = await store.create_folder(account.id, "Work", None)
        await store.move_messages(account.id, Selection.of(*ids), work.id)
        await store.trash_messages(account.id, Selection.of(*ids))
        await store.delete_folder(account.id, work.id)
        await store.restore_messages(account.id, Selection.of(*ids))
        assert (await store.message(account.id, ids[0])).folder_id == inbox.id

    async def test_listing_sorts_filters_and_pages(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, account, FolderRole.INBOX)
        specs = [
            ("Zebra", "carol@example.net", 300),
            ("apple", "Bob <bob@example.net>", 100),
            ("Mango", "alice@example.net", 200),
        ]
        ids = []
        for i, (subject, sender, pad) in enumerate(specs):
            raw = make_raw(
                subject=subject, sender=sender, body="x" * pad, date=BASE + timedelta(days=i)
            )
            ids.append((await store.deliver(new_message(account.id, inbox.id, raw))).message_id)

        async def order(sort: SortKey, descending: bool = False) -> list[str]:
            page = await store.messages(
                account.id, inbox.id, sort=sort, descending=descending, limit=10
            )
            return [m.subject for m in page.items]

        assert await order(SortKey.DATE, True) == ["Mango", "apple", "Zebra"]
        assert await order(SortKey.SUBJECT) == ["apple", "Mango", "Zebra"]
        assert await order(SortKey.SENDER) == ["Mango", "apple", "Zebra"]  # alice, Bob, carol
        assert await order(SortKey.SIZE, True) == ["Zebra", "Mango", "apple"]
        await store.set_flags(account.id, Selection.of(ids[0]), FlagChange(unread=False))
        unread = await store.messages(account.id, inbox.id, unread_only=True)
        assert unread.total == 2 and {m.subject for m in unread.items} == {"apple", "Mango"}

    async def test_comment(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 1)
        await store.set_comment(account.id, ids[0], "call back on Monday")
        message = await store.message(account.id, ids[0])
        assert message.comment == "call back on Monday" and message.has_comment
        await store.set_comment(account.id, ids[0], None)
        assert not (await store.message(account.id, ids[0])).has_comment
        other = await store.create_account("bob@example.test", "hash")
        with pytest.raises(NotFound):
            await store.set_comment(other.id, ids[0], "mine")

    async def test_delivered_with_tags_and_comment_in_one_change(self, store: MailboxStore) -> None:
        """What filters add arrives with the message: one journal entry, nothing later."""
        account = await store.create_account("carol@example.test", "hash")
        inbox = await role(store, account, FolderRole.INBOX)
        for name in ("work", "urgent"):
            await store.create_tag(account.id, name, "#808080")
        start = await store.highest_modseq(account.id)
        arriving = new_message(account.id, inbox.id, make_raw(subject="filtered"))
        arriving = arriving.model_copy(
            update={"tags": ["work", "urgent", "work"], "comment": "from the build farm"}
        )
        delivery = await store.deliver(arriving)
        stored = await store.message(account.id, delivery.message_id)
        assert stored.tags == ["work", "urgent"] and stored.has_comment
        assert stored.comment == "from the build farm"
        (added,) = await store.changes_since(account.id, start)
        assert added.kind is ChangeKind.MESSAGE_ADDED
        assert added.message is not None and added.message.tags == ["work", "urgent"]
        assert added.message.has_comment

    async def test_unread_before(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 3)
        await store.set_flags(account.id, Selection.of(*ids), FlagChange(unread=True))
        first, second, third = (e.id for e in await store.folder_uids(account.id, inbox.id))
        assert not await store.unread_before(account.id, inbox.id, first)
        assert await store.unread_before(account.id, inbox.id, third)
        await store.set_flags(account.id, Selection.of(first), FlagChange(unread=False))
        await store.set_flags(account.id, Selection.of(second), FlagChange(deleted=True))
        # read, and marked deleted: neither waits any more
        assert not await store.unread_before(account.id, inbox.id, third)
        other = await store.create_account("bob@example.test", "hash")
        with pytest.raises(NotFound):
            await store.unread_before(other.id, inbox.id, third)
        trash = await role(store, account, FolderRole.TRASH)
        with pytest.raises(NotFound):
            await store.unread_before(account.id, trash.id, third)

    async def test_thread_keys(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, account, FolderRole.INBOX)
        await store.deliver(
            new_message(account.id, inbox.id, make_raw(message_id="<a@example.net>"))
        )
        await store.deliver(
            new_message(account.id, inbox.id, make_raw(in_reply_to="<a@example.net>"))
        )
        keys = await store.thread_keys(account.id, inbox.id)
        assert len(keys) == 2
        reply = next(k for k in keys if k.in_reply_to)
        assert reply.in_reply_to == ["<a@example.net>"] and reply.references == ["<a@example.net>"]
        assert any(k.message_id == "<a@example.net>" for k in keys)

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
