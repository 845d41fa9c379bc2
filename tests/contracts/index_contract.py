"""The search index contract: subclasses provide an async `index` fixture.

`settle` is awaited after writes, for adapters that make writes searchable only after a
refresh (OpenSearch); the embedded index needs nothing. Queries are written in the
product's language and parsed, so the suite checks what users type.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.mail.query import InFolder, Node, parse, resolve_folders  # noqa: F401
from shared.ports.index import IndexDocument, SearchIndex, SearchSort

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def doc(message_id: str, *, account: str = "acc1", **fields: object) -> IndexDocument:
    base: dict[str, object] = {
        "account_id": account,
        "message_id": message_id,
        "folder_id": "inbox",
        "subject": "",
        "sender": "Bob <bob@example.net>",
        "body": "",
        "date": BASE,
        "modseq": 1,
    }
    base.update(fields)
    return IndexDocument.model_validate(base)


def q(text: str) -> Node:
    return parse(text)


class SearchIndexContract:
    async def test_ping_answers(self, index: SearchIndex) -> None:
        await index.ping()

    async def settle(self, index: SearchIndex) -> None:
        return None

    async def hits(self, index: SearchIndex, text: str | Node, account: str = "acc1") -> set[str]:
        query = parse(text) if isinstance(text, str) else text
        return {h.message_id for h in (await index.search(account, query)).items}

    async def test_all_words_must_match(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="Budget meeting", body="the annual budget"))
        await index.upsert(doc("m2", subject="Lunch", body="meeting at noon"))
        await self.settle(index)
        assert await self.hits(index, "meeting") == {"m1", "m2"}
        found = await index.search("acc1", q("budget meeting"))
        assert [h.message_id for h in found.items] == ["m1"] and found.total == 1
        assert await self.hits(index, "nothinglikethis") == set()

    async def test_case_and_accents_fold(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="Réunion d'été", body="Café CRÈME"))
        await self.settle(index)
        for words in ("reunion", "ÉTÉ", "cafe creme", "Crème", "REUNION"):
            assert await self.hits(index, words) == {"m1"}, words

    async def test_accounts_are_separate(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", account="acc1", body="secret plans"))
        await index.upsert(doc("m2", account="acc2", body="secret plans"))
        await self.settle(index)
        assert await self.hits(index, "secret", account="acc2") == {"m2"}
        assert await self.hits(index, "is:unread", account="acc2") == {"m2"}
        assert await index.count("acc1") == 1

    async def test_subject_weighs_more_than_body(self, index: SearchIndex) -> None:
        await index.upsert(doc("body", subject="hello", body="invoice attached for you"))
        await index.upsert(doc("subject", subject="invoice", body="hello there"))
        await self.settle(index)
        hits = (await index.search("acc1", q("invoice"))).items
        assert [h.message_id for h in hits] == ["subject", "body"]

    async def test_upsert_replaces_and_ignores_older_state(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="first", modseq=2))
        await index.upsert(doc("m1", subject="second", modseq=3))
        await index.upsert(doc("m1", subject="stale", modseq=1))
        await self.settle(index)
        assert await index.count("acc1") == 1
        assert await self.hits(index, "second") == {"m1"}
        assert await self.hits(index, "stale") == set()

    async def test_update_state_and_delete(self, index: SearchIndex) -> None:
        missing = await index.update_state(
            "acc1", "m1", folder_id="x", unread=True, flagged=False, tags=[], modseq=1
        )
        assert missing is False  # not indexed: the caller indexes it whole
        await index.upsert(doc("m1", subject="moving"))
        assert await index.update_state(
            "acc1",
            "m1",
            folder_id="archive",
            unread=False,
            flagged=True,
            tags=["urgent"],
            modseq=2,
        )
        await index.update_state(
            "acc1", "m1", folder_id="stale", unread=True, flagged=False, tags=[], modseq=1
        )
        await self.settle(index)
        hit = (await index.search("acc1", q("moving"))).items[0]
        assert hit.folder_id == "archive"
        assert await self.hits(index, "is:read is:flagged tag:urgent") == {"m1"}
        await index.delete("acc1", "m1", modseq=3)
        await index.delete("acc1", "m1", modseq=3)
        await self.settle(index)
        assert await self.hits(index, "moving") == set()
        assert await index.count("acc1") == 0

    async def test_an_addition_delayed_past_its_removal_stays_removed(
        self, index: SearchIndex
    ) -> None:
        await index.delete("acc1", "m1", modseq=5)  # the removal is applied first
        await index.upsert(doc("m1", subject="resurrected", modseq=4))
        await index.upsert(doc("m1", subject="resurrected", modseq=5))
        await self.settle(index)
        assert await self.hits(index, "resurrected") == set()
        assert await index.count("acc1") == 0

    async def test_an_update_after_its_removal_stays_removed(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", subject="gone", modseq=1))
        await index.delete("acc1", "m1", modseq=3)
        handled = await index.update_state(
            "acc1", "m1", folder_id="archive", unread=False, flagged=True, tags=[], modseq=2
        )
        assert handled is True  # nothing to index: the caller must not add it whole
        await index.upsert(doc("m1", subject="gone", unread=False, modseq=2))
        await self.settle(index)
        assert await self.hits(index, "gone") == set()
        assert await self.hits(index, "is:flagged") == set()
        assert await index.count("acc1") == 0

    async def test_a_removal_older_than_the_indexed_state_is_ignored(
        self, index: SearchIndex
    ) -> None:
        await index.upsert(doc("m1", subject="stored again", modseq=7))
        await index.delete("acc1", "m1", modseq=4)  # a late removal of an earlier life
        await self.settle(index)
        assert await self.hits(index, "stored again") == {"m1"}

    async def test_a_message_stored_again_above_its_tombstone_is_indexed(
        self, index: SearchIndex
    ) -> None:
        # The same id comes back when its delivery is redone after it was purged (message
        # ids derive from the delivery's event id), with a higher modseq.
        await index.upsert(doc("m1", subject="reborn", modseq=1))
        await index.delete("acc1", "m1", modseq=2)
        missing = await index.update_state(
            "acc1", "m1", folder_id="inbox", unread=False, flagged=False, tags=[], modseq=4
        )
        assert missing is False  # above the tombstone: the caller indexes it whole
        await index.upsert(doc("m1", subject="reborn", unread=False, modseq=4))
        await index.upsert(doc("m1", subject="reborn", modseq=3))  # its addition, late
        await index.delete("acc1", "m1", modseq=2)  # the old removal, redelivered
        await self.settle(index)
        assert await self.hits(index, "reborn is:read") == {"m1"}
        assert await index.count("acc1") == 1

    async def test_tombstones_are_per_account_and_not_counted(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", account="acc1", body="twin"))
        await index.upsert(doc("m2", account="acc1", body="twin"))
        await index.upsert(doc("m1", account="acc2", body="twin"))
        await index.delete("acc1", "m1", modseq=2)
        await index.delete("acc2", "ghost", modseq=2)  # never indexed
        await self.settle(index)
        assert await index.count("acc1") == 1 and await index.count("acc2") == 1
        assert await self.hits(index, "twin", account="acc1") == {"m2"}
        assert await self.hits(index, "is:unread", account="acc1") == {"m2"}
        assert await self.hits(index, "twin", account="acc2") == {"m1"}
        assert (await index.search("acc1", q("before:2100-01-01"))).total == 1

    async def test_clear_removes_tombstones_too(self, index: SearchIndex) -> None:
        await index.delete("acc1", "m1", modseq=5)
        await index.delete("acc2", "m1", modseq=5)
        await self.settle(index)
        await index.clear("acc1")
        await self.settle(index)
        await index.upsert(doc("m1", account="acc1", body="rebuilt", modseq=1))
        await index.upsert(doc("m1", account="acc2", body="rebuilt", modseq=1))
        await self.settle(index)
        assert await self.hits(index, "rebuilt", account="acc1") == {"m1"}
        assert await self.hits(index, "rebuilt", account="acc2") == set()

    async def test_old_tombstones_can_be_pruned(self, index: SearchIndex) -> None:
        await index.delete("acc1", "m1", modseq=5)
        await index.delete("acc2", "m2", modseq=5)
        await self.settle(index)
        assert await index.prune_tombstones(datetime.now(UTC) - timedelta(hours=1)) == 0
        await index.upsert(doc("m1", body="late", modseq=4))
        await self.settle(index)
        assert await self.hits(index, "late") == set()  # still guarded
        assert await index.prune_tombstones(datetime.now(UTC) + timedelta(seconds=1)) == 2
        await self.settle(index)
        await index.upsert(doc("m1", body="late", modseq=4))
        await self.settle(index)
        assert await self.hits(index, "late") == {"m1"}  # forgotten: nothing guards it now

    async def test_clear_one_account(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", account="acc1", body="kept apart"))
        await index.upsert(doc("m2", account="acc2", body="kept apart"))
        await self.settle(index)
        await index.clear("acc1")
        await self.settle(index)
        assert await index.count("acc1") == 0 and await index.count("acc2") == 1

    async def test_limit_offset_total_and_date_sort(self, index: SearchIndex) -> None:
        for i in range(30):
            await index.upsert(doc(f"m{i}", body="common word", date=BASE + timedelta(days=i)))
        await self.settle(index)
        page = await index.search("acc1", q("common"), limit=10, offset=25)
        assert page.total == 30 and len(page.items) == 5
        newest = await index.search("acc1", q("common"), limit=3, sort=SearchSort.DATE)
        assert [h.message_id for h in newest.items] == ["m29", "m28", "m27"]
        hit = newest.items[0]
        assert hit.subject == "" and hit.sender == "Bob <bob@example.net>"

    async def test_results_are_capped_at_200(self, index: SearchIndex) -> None:
        for i in range(210):
            await index.upsert(doc(f"m{i}", body="plenty"))
        await self.settle(index)
        found = await index.search("acc1", q("plenty"), limit=500)
        assert found.total == 210 and len(found.items) == 200

    async def test_snippet_marks_the_words(self, index: SearchIndex) -> None:
        body = "Dear team, the <quarterly> figures are ready. " + "filler " * 50
        await index.upsert(doc("m1", body=body))
        await self.settle(index)
        snippet = (await index.search("acc1", q("quarterly"))).items[0].snippet
        assert "<mark>quarterly</mark>" in snippet
        assert "<quarterly>" not in snippet and "&lt;" in snippet  # the rest is escaped

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("invoice OR receipt", {"m1", "m2"}),
            ("invoice -paid", {"m1"}),
            ('"quarterly figures"', {"m1"}),
            ('"figures quarterly"', set()),
            ("quart*", {"m1", "m3"}),
            ("from:alice", {"m2"}),
            ("from:bob", {"m1", "m3"}),
            ("to:carol", {"m3"}),
            ("cc:dave", {"m1"}),
            ("subject:invoice", {"m1"}),
            ("body:invoice", {"m2"}),
            ("attachment:report", {"m3"}),
            ("attachment:ledger", {"m3"}),
            ("tag:urgent", {"m2"}),
            ("is:unread", {"m1", "m3"}),
            ("is:flagged", {"m2"}),
            ("has:attachment", {"m3"}),
            ("before:2026-01-02", {"m1"}),
            ("after:2026-01-02", {"m2", "m3"}),
            ("larger:10K", {"m3"}),
            ("smaller:1K", {"m1"}),
            ("(invoice OR receipt) -paid", {"m1"}),
            ("-paid is:unread", {"m1", "m3"}),
            ("tag:urgent OR has:attachment", {"m2", "m3"}),
        ],
    )
    async def test_language(self, index: SearchIndex, query: str, expected: set[str]) -> None:
        await index.upsert(
            doc("m1", subject="Invoice 42", body="quarterly figures", cc="Dave <dave@x.net>",
                date=BASE, size=500)
        )  # fmt: skip
        await index.upsert(
            doc("m2", subject="Receipt", body="invoice paid", sender="Alice <alice@x.net>",
                unread=False, flagged=True, tags=["urgent"], date=BASE + timedelta(days=1),
                size=5000)
        )  # fmt: skip
        await index.upsert(
            doc("m3", subject="Quarter report", to="Carol <carol@x.net>", has_attachments=True,
                attachment_names=["report.pdf"], attachment_text="ledger totals",
                date=BASE + timedelta(days=2), size=50_000)
        )  # fmt: skip
        await self.settle(index)
        assert await self.hits(index, query) == expected

    async def test_folder_terms_use_resolved_ids(self, index: SearchIndex) -> None:
        await index.upsert(doc("m1", body="same", folder_id="f-work"))
        await index.upsert(doc("m2", body="same", folder_id="f-home"))
        await self.settle(index)
        assert await self.hits(index, InFolder("Work", ("f-work",))) == {"m1"}
        assert await self.hits(index, InFolder("Nowhere", ())) == set()
