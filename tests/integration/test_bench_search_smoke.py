"""The search benchmark runs end to end at a small size, so it cannot rot."""

from __future__ import annotations

import asyncio

from bench.search.__main__ import main


async def test_search_benchmark_small_run() -> None:
    results = await asyncio.to_thread(main, 300, 2)
    for engine in ("fts5", "tantivy"):
        assert results[engine]["index_docs_per_s"] > 0
        assert results[engine]["prefix p95 ms"] >= results[engine]["prefix p50 ms"] > 0
