"""The keyword benchmark runs end to end at a small size, so it cannot rot."""

from __future__ import annotations

import pytest

from bench.keywords.__main__ import main
from tests.integration.processes import WHOLE_RUN_TIMEOUT


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_keyword_benchmark_small_run() -> None:
    result = await main(messages=10, keywords=3, timeout=60)
    assert result["store_status"] == "OK None" and result["unpublished_left"] == 0
    assert float(result["store_ms"]) > 0 and float(result["indexed_ms"]) > 0
    assert float(result["select_after_ms"]) > 0
