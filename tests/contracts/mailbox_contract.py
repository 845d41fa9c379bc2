"""The mailbox store contract: every adapter's test class subclasses this and provides
an async `store` fixture yielding a fresh, empty `MailboxStore`. Delivery and the journal
are here; folders, message operations, tags and quota are in the classes it gathers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shared.events import ChangeKind
from shared.model import SYSTEM_FOLDERS, FolderRole
from shared.ports.mailbox import AccountExists, JournalBacklog, MailboxStore, NotFound
from tests.contracts.mailbox_folders_contract import FolderContract
from tests.contracts.mailbox_messages_contract import MessageContract
from tests.contracts.mailbox_support import account_with_mail
from tests.contracts.mailbox_tags_contract import TagQuotaContract
from tests.factories import make_raw, new_message


class MailboxStoreContract(FolderContract, MessageContract, TagQuotaContract):
    async def test_ping_answers(self, store: MailboxStore) -> None:
        await store.ping()

    async def test_journal_backlog_is_what_the_relay_has_not_published(
        self, store: MailboxStore
    ) -> None:
        for change in await store.unpublished_changes():  # whatever creating a store wrote
            await store.mark_published([change.event_id])
        assert await store.journal_backlog() == JournalBacklog(0, None)
        await account_with_mail(store, 2)
        pending = await store.unpublished_changes()
        backlog = await store.journal_backlog()
        assert backlog.entries == len(pending) >= 2
        assert backlog.oldest_at is not None
        assert abs((backlog.oldest_at - pending[0].at).total_seconds()) < 0.01
        await store.mark_published([c.event_id for c in pending[:-1]])
        backlog = await store.journal_backlog()
        assert backlog.entries == 1 and backlog.oldest_at is not None
        assert abs((backlog.oldest_at - pending[-1].at).total_seconds()) < 0.01
        await store.mark_published([pending[-1].event_id])
        assert await store.journal_backlog() == JournalBacklog(0, None)

    async def test_create_account_makes_system_folders(self, store: MailboxStore) -> None:
        account = await store.create_account("Alice@Example.TEST", "hash")
        assert account.address == "alice@example.test"
        folders = await store.folders(account.id)
        assert {f.role for f in folders} == set(SYSTEM_FOLDERS)
        assert {f.name for f in folders} == set(SYSTEM_FOLDERS.values())
        assert all(f.total == 0 and f.unread == 0 and f.parent_id is None for f in folders)

    async def test_duplicate_account_refused(self, store: MailboxStore) -> None:
        await store.create_account("alice@example.test", "hash")
        with pytest.raises(AccountExists):
            await store.create_account("ALICE@example.test", "other")

    async def test_hosted_domains(self, store: MailboxStore) -> None:
        await store.create_account("alice@Example.TEST", "hash")
        assert await store.hosts_domain("example.test")
        assert await store.hosts_domain("EXAMPLE.test")
        assert not await store.hosts_domain("elsewhere.test")

    async def test_first_account_of_a_domain_and_of_the_platform(self, store: MailboxStore) -> None:
        assert await store.first_account() is None
        first = await store.create_account("zoe@example.test", "hash")
        await asyncio.sleep(0.01)  # creation times to the millisecond
        other = await store.create_account("adam@other.test", "hash")
        await store.create_account("bob@example.test", "hash")
        found = await store.first_account("Example.TEST")
        assert found is not None and found.id == first.id
        in_other = await store.first_account("other.test")
        assert in_other is not None and in_other.id == other.id
        overall = await store.first_account()
        assert overall is not None and overall.id == first.id
        assert await store.first_account("nowhere.test") is None

    async def test_account_lookup(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        found = await store.account_by_address("ALICE@example.test")
        assert found is not None and found.id == account.id
        assert found.password_hash == "hash"
        assert await store.account_by_address("nobody@example.test") is None
        assert (await store.account(account.id)) is not None
        assert await store.account("no-such-id") is None

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

    async def test_journal_orders_changes_and_tracks_publication(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        for i in range(3):
            await store.deliver(new_message(account.id, inbox.id, make_raw(subject=str(i))))
        changes = await store.changes_since(account.id, 0)
        assert [c.modseq for c in changes] == sorted(c.modseq for c in changes)
        assert len({c.modseq for c in changes}) == 3
        assert all(c.kind == ChangeKind.MESSAGE_ADDED and c.message for c in changes)
        pending = await store.unpublished_changes()
        assert [c.event_id for c in pending] == [c.event_id for c in changes]
        await store.mark_published([pending[0].event_id])
        rest = await store.unpublished_changes()
        assert [c.event_id for c in rest] == [c.event_id for c in changes[1:]]
        assert await store.changes_since(account.id, changes[1].modseq) == changes[2:]

    async def test_malformed_message_is_stored(self, store: MailboxStore) -> None:
        from shared.mime import parse_message

        account = await store.create_account("alice@example.test", "hash")
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        raw = b"Subject: =?broken\r\nContent-Type: multipart/mixed\r\n\r\n\xff\xfe no boundary"
        message = new_message(account.id, inbox.id, raw)
        assert message.parsed == parse_message(raw)
        delivery = await store.deliver(message)
        stored = await store.message(account.id, delivery.message_id)
        assert stored.date == message.received_at
