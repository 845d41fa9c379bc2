"""The ingest benchmark runs end to end at a small size, so it cannot rot."""

from __future__ import annotations

import pytest

from bench.ingest.__main__ import main
from tests.integration.processes import WHOLE_RUN_TIMEOUT


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_ingest_benchmark_small_run() -> None:
    result = await main(messages=12, connections=2, seed=7)
    assert result["searchable"] == 12
    assert result["bureau_msgs_per_s"] > 0 and result["baseline_sink_msgs_per_s"] > 0
    assert 0 < result["p50_250_to_searchable_ms"] <= result["p99_250_to_searchable_ms"]
    assert 0 < result["p50_change_to_searchable_ms"] <= result["p99_change_to_searchable_ms"]
