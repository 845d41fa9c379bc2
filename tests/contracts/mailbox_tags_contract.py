"""Tags (F50), preferences (F55), plans and quota (F58), orphan blobs."""

from __future__ import annotations

import pytest

from shared.events import ChangeKind
from shared.model import Plan, Preferences, Selection
from shared.ports.mailbox import Conflict, MailboxStore, NotFound
from tests.contracts.mailbox_support import account_with_mail


class TagQuotaContract:
    async def test_tags(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 3)
        urgent = await store.create_tag(account.id, "urgent", "#ff0000")
        later = await store.create_tag(account.id, "later", "#00ff00")
        with pytest.raises(Conflict):
            await store.create_tag(account.id, "urgent", "#000000")
        assert [t.name for t in await store.tags(account.id)] == ["later", "urgent"]
        assert (
            await store.tag_messages(account.id, Selection.of(*ids[:2]), urgent.id, add=True)
            == ids[:2]
        )
        assert await store.tag_messages(account.id, Selection.of(ids[0]), urgent.id, add=True) == []
        await store.tag_messages(account.id, Selection.of(ids[0]), later.id, add=True)
        assert (await store.message(account.id, ids[0])).tags == ["urgent", "later"]
        page = await store.tagged(account.id, urgent.id)
        assert page.total == 2 and {m.id for m in page.items} == set(ids[:2])
        recolored = await store.set_tag_color(account.id, urgent.id, "#aa0000")
        assert recolored.color == "#aa0000" and recolored.name == "urgent"
        start = (await store.changes_since(account.id, 0))[-1].modseq
        await store.delete_tag(account.id, urgent.id)
        assert (await store.message(account.id, ids[0])).tags == ["later"]
        assert (await store.message(account.id, ids[1])).tags == []
        updates = await store.changes_since(account.id, start)
        assert {c.message_id for c in updates if c.kind == ChangeKind.MESSAGE_UPDATED} == set(
            ids[:2]
        )
        with pytest.raises(NotFound):
            await store.tagged(account.id, urgent.id)
        other = await store.create_account("bob@example.test", "hash")
        with pytest.raises(NotFound):
            await store.tag_messages(other.id, Selection.of(*ids), later.id, add=True)

    async def test_preferences(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        prefs = await store.preferences(account.id)
        assert prefs == Preferences() and prefs.trash_retention_days == 30
        changed = prefs.model_copy(update={"thread_view": True, "page_size": 25})
        await store.set_preferences(account.id, changed)
        assert await store.preferences(account.id) == changed

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

    async def test_accounts_are_paged_by_id(self, store: MailboxStore) -> None:
        made = [await store.create_account(f"u{i}@example.test", "hash") for i in range(5)]
        first = await store.accounts(limit=3)
        rest = await store.accounts(after=first[-1].id, limit=3)
        assert [a.id for a in first + rest] == sorted(a.id for a in made)

    async def test_orphan_blobs(self, store: MailboxStore) -> None:
        account, inbox, ids = await account_with_mail(store, 2)  # both share one blob id
        await store.copy_messages(account.id, Selection.of(ids[0]), inbox.id)
        blob = (await store.message(account.id, ids[0])).blob_id
        await store.destroy_messages(account.id, Selection.of(ids[0]))
        assert await store.orphan_blobs() == []  # the copy and ids[1] still use it
        await store.destroy_messages(account.id, Selection(folder_id=inbox.id))
        orphans = await store.orphan_blobs()
        assert [b for b, _ in orphans] == [blob]
        assert await store.settle_orphan(blob) is True
        assert await store.orphan_blobs() == []

    async def test_recent_searches(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        assert await store.recent_searches(account.id) == []
        for query in ("one", "two", "three", "four", "five", "six", "two"):
            await store.remember_search(account.id, query)
        assert await store.recent_searches(account.id) == ["two", "six", "five", "four", "three"]
        other = await store.create_account("bob@example.test", "hash")
        assert await store.recent_searches(other.id) == []
