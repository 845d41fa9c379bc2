"""The indexer applies mailbox changes in any order and ends in the newest state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from services.search.adapters.fts5 import Fts5Index
from services.search.service import SearchService
from services.store.adapters.fs_blobs import FsBlobStore
from shared.events import ChangeKind, MailboxChanged
from shared.metrics import Registry
from shared.model import Address, MessageSummary
from shared.query import parse
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
