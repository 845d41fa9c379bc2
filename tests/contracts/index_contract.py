"""The search index contract: subclasses provide an async `index` fixture.

`settle` is awaited after writes, for adapters that make writes searchable only after a
refresh (OpenSearch); the embedded index needs nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.ports.index import IndexDocument, SearchIndex


def doc(message_id: str, *, account: str = "acc1", **fields: object) -> IndexDocument:
    base: dict[str, object] = {
        "account_id": account,
        "message_id": message_id,
        "folder_id": "inbox",
        "subject": "",
        "sender": "Bob <bob@example.net>",
        "body": "",
        "date": datetime(2026, 1, 1, tzinfo=UTC),
        "modseq": 1,
    }
    base.update(fields)
    return IndexDocument.model_validate(base)


class SearchIndexContract:
    async def settle(self, index: SearchIndex) -> None:
        return None

    async def test_all_words_must_match(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="Budget meeting", body="the annual budget"))
        await index.upsert(doc("m2", subject="Lunch", body="meeting at noon"))
        await self.settle(index)
        assert {h.message_id for h in (await index.search("acc1", "meeting")).items} == {"m1", "m2"}
        found = await index.search("acc1", "budget meeting")
        assert [h.message_id for h in found.items] == ["m1"] and found.total == 1
        assert (await index.search("acc1", "nothing-like-this")).total == 0

    async def test_case_and_accents_fold(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="Réunion d'été", body="Café CRÈME"))
        await self.settle(index)
        for words in ("reunion", "ÉTÉ", "cafe creme", "Crème"):
            assert [h.message_id for h in (await index.search("acc1", words)).items] == ["m1"]

    async def test_accounts_are_separate(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", account="acc1", body="secret plans"))
        await index.upsert(doc("m2", account="acc2", body="secret plans"))
        await self.settle(index)
        assert [h.message_id for h in (await index.search("acc2", "secret")).items] == ["m2"]
        assert await index.count("acc1") == 1

    async def test_subject_weighs_more_than_body(self, index: SearchIndex) -> None:
        await index.upsert(doc("body", subject="hello", body="invoice attached for you"))
        await index.upsert(doc("subject", subject="invoice", body="hello there"))
        await self.settle(index)
        hits = (await index.search("acc1", "invoice")).items
        assert [h.message_id for h in hits] == ["subject", "body"]

    async def test_upsert_replaces_and_ignores_older_state(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="first", modseq=2))
        await index.upsert(doc("m1", subject="second", modseq=3))
        await index.upsert(doc("m1", subject="stale", modseq=1))
        await self.settle(index)
        assert await index.count("acc1") == 1
        assert (await index.search("acc1", "second")).total == 1
        assert (await index.search("acc1", "stale")).total == 0

    async def test_update_state_and_delete(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="moving"))
        await index.update_state(
            "acc1", "m1", folder_id="archive", unread=False, flagged=True, modseq=2
        )
        await self.settle(index)
        hit = (await index.search("acc1", "moving")).items[0]
        assert hit.folder_id == "archive"
        await index.delete("acc1", "m1")
        await index.delete("acc1", "m1")
        await self.settle(index)
        assert (await index.search("acc1", "moving")).total == 0

    async def test_limit_offset_and_total(self, index: SearchIndex) -> None:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for i in range(30):
            await index.upsert(doc(f"m{i}", body="common word", date=start + timedelta(days=i)))
        await self.settle(index)
        page = await index.search("acc1", "common", limit=10, offset=25)
        assert page.total == 30 and len(page.items) == 5
        hit = (await index.search("acc1", "common", limit=1)).items[0]
        assert hit.subject == "" and hit.sender == "Bob <bob@example.net>"
