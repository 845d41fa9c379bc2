"""The indexer applies mailbox changes in any order and ends in the newest state."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.search.adapters.fts5 import Fts5Index
from services.search.service import SearchService
from services.search.tombstones import TombstonePruner
from services.store.adapters.fs_blobs import FsBlobStore
from shared.events import ChangeKind, MailboxChanged
from shared.mail.query import parse
from shared.model import Address, MessageSummary
from shared.ports.index import IndexDocument
from shared.runtime.metrics import Registry
from shared.settings import CommonSettings
from tests import prometheus
from tests.factories import make_raw

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def change(kind: ChangeKind, modseq: int, blob_id: str, **state: object) -> MailboxChanged:
    summary = MessageSummary.model_validate(
        {
            "id": "m1", "account_id": "a1", "folder_id": "inbox", "blob_id": blob_id,
            "subject": "Wombat", "sender": Address(address="bob@example.net"), "to": [],
            "date": NOW, "received_at": NOW, "size": 10, "unread": True, "flagged": False,
            "has_attachments": False, "thread_id": "t", "modseq": modseq, **state,
        }
    )  # fmt: skip
    return MailboxChanged(
        event_id=f"e{modseq}", account_id="a1", modseq=modseq, kind=kind, message_id="m1",
        folder_id=summary.folder_id, message=summary, at=NOW,
    )  # fmt: skip


def removal(modseq: int) -> MailboxChanged:
    return MailboxChanged(
        event_id=f"e{modseq}", account_id="a1", modseq=modseq, kind=ChangeKind.MESSAGE_REMOVED,
        message_id="m1", folder_id="inbox", at=NOW,
    )  # fmt: skip


class SlowBlobs(FsBlobStore):
    """The real file store, whose reads wait until `release` is set: an addition held
    in its blob read, as a large message or a slow disk holds it."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def get(self, blob_id: str) -> bytes:
        self.reading.set()
        await self.release.wait()
        return await super().get(blob_id)


async def test_a_removal_wins_over_its_slower_addition(tmp_path: Path) -> None:
    index = await Fts5Index.open(tmp_path / "index.sqlite3")
    blobs = SlowBlobs(tmp_path / "blobs")
    blob_id = await blobs.put(make_raw(subject="Wombat", body="a wombat in the garden\n"))
    service = SearchService(CommonSettings(), index=index, blobs=blobs)
    try:
        adding = asyncio.create_task(service.handle(change(ChangeKind.MESSAGE_ADDED, 1, blob_id)))
        await asyncio.wait_for(blobs.reading.wait(), 5)
        await service.handle(removal(2))  # another worker applies the removal meanwhile
        blobs.release.set()
        await adding
        assert (await index.search("a1", parse("wombat"))).total == 0
        assert await index.count("a1") == 0
    finally:
        await index.close()


async def test_a_late_addition_whose_blob_is_gone_stays_removed(tmp_path: Path) -> None:
    index = await Fts5Index.open(tmp_path / "index.sqlite3")
    blobs = FsBlobStore(tmp_path / "blobs")
    blob_id = await blobs.put(make_raw(subject="Wombat", body="a wombat in the garden\n"))
    service = SearchService(CommonSettings(), index=index, blobs=blobs)
    try:
        await service.handle(removal(2))
        await blobs.delete(blob_id)  # collected once the message was destroyed
        await service.handle(change(ChangeKind.MESSAGE_ADDED, 1, blob_id))  # no error
        await service.handle(change(ChangeKind.MESSAGE_UPDATED, 1, blob_id, flagged=True))
        assert await index.count("a1") == 0
    finally:
        await index.close()


async def test_the_service_prunes_old_tombstones(tmp_path: Path) -> None:
    index = await Fts5Index.open(tmp_path / "index.sqlite3")
    blobs = FsBlobStore(tmp_path / "blobs")
    later = datetime.now(UTC) + timedelta(days=8)
    pruner = TombstonePruner(index, interval=3600, clock=lambda: later)
    service = SearchService(CommonSettings(), index=index, blobs=blobs, pruner=pruner)
    await index.delete("a1", "old", modseq=3)
    late = IndexDocument(account_id="a1", message_id="old", folder_id="inbox", date=NOW, modseq=2)
    await service.start()
    try:
        for _ in range(100):  # the first round runs at start
            await index.upsert(late)
            if await index.count("a1"):
                break
            await asyncio.sleep(0.05)
        assert await index.count("a1") == 1  # the tombstone went: nothing refused it
    finally:
        await service.stop()
        await index.close()


async def test_tombstones_live_as_long_as_the_change_stream_keeps_changes(
    tmp_path: Path,
) -> None:
    index = await Fts5Index.open(tmp_path / "index.sqlite3")
    try:
        await index.delete("a1", "m1", modseq=3)
        six_days = TombstonePruner(index, clock=lambda: datetime.now(UTC) + timedelta(days=6))
        assert await six_days.prune_once() == 0
        eight_days = TombstonePruner(index, clock=lambda: datetime.now(UTC) + timedelta(days=8))
        assert await eight_days.prune_once() == 1
    finally:
        await index.close()


async def test_an_update_overtaking_its_addition_wins(tmp_path: Path) -> None:
    index = await Fts5Index.open(tmp_path / "index.sqlite3")
    blobs = FsBlobStore(tmp_path / "blobs")
    blob_id = await blobs.put(make_raw(subject="Wombat", body="a wombat in the garden\n"))
    registry = Registry()
    service = SearchService(CommonSettings(), index=index, blobs=blobs, registry=registry)
    try:
        await service.handle(change(ChangeKind.MESSAGE_UPDATED, 2, blob_id, unread=False))
        await service.handle(change(ChangeKind.MESSAGE_ADDED, 1, blob_id))  # late
        found = await index.search("a1", parse("wombat is:read"))
        assert [h.message_id for h in found.items] == ["m1"]
        assert (await index.search("a1", parse("wombat is:unread"))).total == 0
        families = prometheus.parse(registry.render())
        indexed = "bureau_search_changes_indexed_total"
        assert prometheus.value(families, indexed) == 2
        assert prometheus.value(families, indexed, kind="message.added") == 1
        assert prometheus.value(families, "bureau_search_index_lag_seconds") > 0
    finally:
        await index.close()
