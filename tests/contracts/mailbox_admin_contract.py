"""The administrator's changes (`shared.ports.administration.AccountAdmin`): accounts made
with their system folders, aliases (F5), sending rights."""

from __future__ import annotations

import pytest

from shared.model import SYSTEM_FOLDERS
from shared.ports.mailbox import AccountExists, MailboxStore, NotFound
from shared.workflows.directory import resolve_recipient


class AccountAdminContract:
    """The contract of `AccountAdmin`."""

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

    async def test_an_alias_reaches_the_account(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.aliases(alice.id) == []
        await store.add_alias(alice.id, "Sales@Example.ORG")
        await store.add_alias(alice.id, "info@example.test")
        assert await store.aliases(alice.id) == ["info@example.test", "sales@example.org"]
        found = await store.account_by_address("SALES@example.org")
        assert found is not None and found.id == alice.id and found.address == alice.address
        assert await store.hosts_domain("example.org")
        # Plus addressing works on aliases too (the directory tries without the tag).
        tagged = await resolve_recipient(store, "sales+news@example.org")
        assert tagged is not None and tagged.id == alice.id
        await store.remove_alias(alice.id, "SALES@example.org")
        assert await store.aliases(alice.id) == ["info@example.test"]
        assert await store.account_by_address("sales@example.org") is None
        own = await store.account_by_address("alice@example.test")
        assert own is not None and own.id == alice.id

    async def test_an_address_belongs_to_one_account_or_alias(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        await store.add_alias(alice.id, "team@example.test")
        for owner, address in [
            (alice.id, "alice@example.test"),  # its own address
            (alice.id, "Team@example.test"),  # already its alias
            (alice.id, "bob@example.test"),  # another account's address
            (bob.id, "team@example.test"),  # another account's alias
        ]:
            with pytest.raises(AccountExists):
                await store.add_alias(owner, address)
        with pytest.raises(AccountExists):
            await store.create_account("TEAM@example.test", "hash")
        assert await store.aliases(bob.id) == []
        with pytest.raises(NotFound):
            await store.add_alias("no-such-account", "free@example.test")

    async def test_removing_what_is_not_an_alias(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        await store.add_alias(alice.id, "team@example.test")
        with pytest.raises(NotFound):
            await store.remove_alias(alice.id, "nobody@example.test")
        with pytest.raises(NotFound):
            await store.remove_alias(alice.id, "alice@example.test")  # the address itself
        with pytest.raises(NotFound):
            await store.remove_alias(bob.id, "team@example.test")  # another account's
        assert await store.aliases(alice.id) == ["team@example.test"]
        with pytest.raises(NotFound):
            await store.aliases("no-such-account")

    async def test_submission_blocked(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert alice.submission_blocked is False
        await store.set_submission_blocked(alice.id, True)
        found = await store.account_by_address("alice@example.test")
        assert found is not None and found.submission_blocked
        await store.set_submission_blocked(alice.id, False)
        found = await store.account(alice.id)
        assert found is not None and not found.submission_blocked
        with pytest.raises(NotFound):
            await store.set_submission_blocked("no-such-account", True)

    async def test_external_senders(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert alice.external_senders is False
        await store.set_external_senders(alice.id, True)
        found = await store.account(alice.id)
        assert found is not None and found.external_senders
        by_address = await store.account_by_address("alice@example.test")
        assert by_address is not None and by_address.external_senders
        assert (await store.accounts())[0].external_senders
        await store.set_external_senders(alice.id, False)
        found = await store.account(alice.id)
        assert found is not None and not found.external_senders
        with pytest.raises(NotFound):
            await store.set_external_senders("no-such-account", True)
