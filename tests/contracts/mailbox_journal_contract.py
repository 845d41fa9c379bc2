"""The change journal: read per account from a modseq (`shared.ports.journal.Journal`),
and relayed across accounts (`shared.ports.outbox.Outbox`, `OutboxContract`)."""

from __future__ import annotations

import pytest

from shared.events import ChangeKind
from shared.model import FlagChange, FolderRole, Selection
from shared.ports.mailbox import JournalBacklog, MailboxStore, NotFound
from tests.contracts.mailbox_support import account_with_mail, role
from tests.factories import make_raw, new_message


class JournalContract:
    """The contract of `Journal`."""

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


class OutboxContract:
    """The contract of `Outbox`."""

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
