"""Who is who (`shared.ports.directory.Directory`): accounts by address and id, hosted
domains, the first account of a domain, accounts paged, an account's plan and quota."""

from __future__ import annotations

import asyncio

import pytest

from shared.model import Plan, Selection
from shared.ports.mailbox import MailboxStore, NotFound
from tests.contracts.mailbox_support import account_with_mail


class DirectoryContract:
    """The contract of `Directory`."""

    async def test_account_lookup(self, store: MailboxStore) -> None:
        account = await store.create_account("alice@example.test", "hash")
        found = await store.account_by_address("ALICE@example.test")
        assert found is not None and found.id == account.id
        assert found.password_hash == "hash"
        assert await store.account_by_address("nobody@example.test") is None
        assert (await store.account(account.id)) is not None
        assert await store.account("no-such-id") is None

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

    async def test_accounts_are_paged_by_id(self, store: MailboxStore) -> None:
        made = [await store.create_account(f"u{i}@example.test", "hash") for i in range(5)]
        first = await store.accounts(limit=3)
        rest = await store.accounts(after=first[-1].id, limit=3)
        assert [a.id for a in first + rest] == sorted(a.id for a in made)

    async def test_account_plan(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.account_plan(alice.id) is None
        plan = Plan(name="free", messages_per_day=100, signature="Sent with Bureau Free")
        await store.set_plan(plan)
        await store.assign_plan(alice.id, "free")
        assert await store.account_plan(alice.id) == plan
        assert await store.plans() == [plan]
        with pytest.raises(NotFound):
            await store.account_plan("no-such-account")

    async def test_plans_and_quota(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 2)
        quota = await store.quota(account.id)
        assert quota.plan is None and quota.limit_bytes is None and quota.used_bytes > 0
        await store.set_plan(Plan(name="basic", storage_bytes=2 * 1024**3, messages_per_day=500))
        await store.set_plan(Plan(name="basic", storage_bytes=1024**3))
        assert [(p.name, p.storage_bytes) for p in await store.plans()] == [("basic", 1024**3)]
        await store.assign_plan(account.id, "basic")
        quota = await store.quota(account.id)
        assert (quota.plan, quota.limit_bytes) == ("basic", 1024**3)
        with pytest.raises(NotFound):
            await store.assign_plan(account.id, "gold")
        used = quota.used_bytes
        await store.destroy_messages(account.id, Selection.of(ids[0]))
        assert (await store.quota(account.id)).used_bytes < used
