"""The keyword benchmark runs end to end at a small size, so it cannot rot."""

from __future__ import annotations

from typing import Any

import pytest

from bench.imap.dovecot import available
from bench.keywords.__main__ import main
from tests.integration.processes import WHOLE_RUN_TIMEOUT


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_keyword_benchmark_small_run() -> None:
    result = await main(messages=10, keywords=3, timeout=60)
    bureau: dict[str, Any] = result["bureau"]  # type: ignore[assignment]
    assert bureau["store_status"] == "OK None" and bureau["unpublished_left"] == 0
    assert float(bureau["store_ms"]) > 0 and float(bureau["indexed_ms"]) > 0
    assert float(bureau["select_after_ms"]) > 0
    if available() is None:  # the baseline, where Dovecot can serve IMAP
        dovecot: dict[str, Any] = result["dovecot"]  # type: ignore[assignment]
        assert dovecot["store_status"].startswith("OK") and float(dovecot["store_ms"]) > 0
    else:
        assert str(result["dovecot"]).startswith("not measured")
