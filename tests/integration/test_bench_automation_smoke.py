"""The automation benchmark runs end to end at a small size, so it cannot rot."""

from __future__ import annotations

import pytest

from bench.automation.__main__ import main
from tests.integration.processes import WHOLE_RUN_TIMEOUT


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_automation_benchmark_small_run() -> None:
    result = await main(messages=10, connections=2, seed=7)
    assert result["plain_searchable"] == 10 and result["automated_searchable"] == 10
    assert 0 < result["plain_p50_ms"] <= result["plain_p99_ms"]
    assert 0 < result["automated_p50_ms"] <= result["automated_p99_ms"]
    assert result["ratio_p50_automated_to_plain"] > 0
