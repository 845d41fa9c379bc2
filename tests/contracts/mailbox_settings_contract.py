"""What a user sets and clients remember (`shared.ports.user_settings.UserSettings`):
preferences (F55), IMAP subscriptions, recent searches (F32)."""

from __future__ import annotations

import pytest

from shared.model import Preferences
from shared.ports.mailbox import MailboxStore, NotFound
from tests.contracts.mailbox_support import account_with_mail


class UserSettingsContract:
    """The contract of `UserSettings`."""

    async def test_preferences(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        prefs = await store.preferences(account.id)
        assert prefs == Preferences() and prefs.trash_retention_days == 30
        changed = prefs.model_copy(update={"thread_view": True, "page_size": 25})
        await store.set_preferences(account.id, changed)
        assert await store.preferences(account.id) == changed

    async def test_preferences_for_sending(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        [primary] = await store.identities(alice.id)
        prefs = Preferences(default_identity_id=primary.id, always_request_receipt=True)
        await store.set_preferences(alice.id, prefs)
        assert await store.preferences(alice.id) == prefs

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

    async def test_recent_searches(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        assert await store.recent_searches(account.id) == []
        for query in ("one", "two", "three", "four", "five", "six", "two"):
            await store.remember_search(account.id, query)
        assert await store.recent_searches(account.id) == ["two", "six", "five", "four", "three"]
        other = await store.create_account("bob@example.test", "hash")
        assert await store.recent_searches(other.id) == []
