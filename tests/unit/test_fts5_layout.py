"""The FTS5 index file across layouts: the tombstones table joins a version 3 index in
place (its entries stay findable); older layouts are rebuilt empty."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from services.search.adapters.fts5 import VERSION, Fts5Index
from shared.mail.query import parse
from shared.ports.index import IndexDocument


def entry(message_id: str, modseq: int = 1) -> IndexDocument:
    return IndexDocument(
        account_id="a1",
        message_id=message_id,
        folder_id="inbox",
        subject="Gondola timetable",
        date=datetime(2026, 1, 1, tzinfo=UTC),
        modseq=modseq,
    )


async def written_then_set_to(path: Path, version: int) -> None:
    """An index holding one entry, its file then made to look like layout `version`
    (version 3 is this layout without the tombstones table)."""
    index = await Fts5Index.open(path)
    await index.upsert(entry("m1"))
    await index.close()
    with sqlite3.connect(path) as conn:
        conn.executescript("DROP TABLE tombstones;")
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


async def test_a_version_3_index_gains_tombstones_and_keeps_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    await written_then_set_to(path, 3)
    index = await Fts5Index.open(path)
    try:
        assert [h.message_id for h in (await index.search("a1", parse("gondola"))).items] == ["m1"]
        await index.delete("a1", "m1", modseq=2)
        await index.upsert(entry("m1", modseq=1))  # late: refused by the tombstone
        assert await index.count("a1") == 0
    finally:
        await index.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
    conn.close()


async def test_an_older_layout_is_rebuilt_empty(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    await written_then_set_to(path, 2)
    index = await Fts5Index.open(path)
    try:
        assert await index.count("a1") == 0
        await index.delete("a1", "m1", modseq=2)
        await index.upsert(entry("m1", modseq=1))
        assert await index.count("a1") == 0
    finally:
        await index.close()
