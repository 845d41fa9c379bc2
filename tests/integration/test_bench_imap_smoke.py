"""The IMAP benchmark runs end to end at a small size, so it cannot rot (where Dovecot,
its baseline, is installed)."""

from __future__ import annotations

import pytest

from bench.imap.__main__ import main
from bench.imap.dovecot import available
from tests.integration.processes import WHOLE_RUN_TIMEOUT

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_imap_benchmark_small_run() -> None:
    result = await main(messages=40, rounds=1, seed=3)
    for server in ("bureau", "dovecot"):
        assert result[f"{server}_select_ms"] > 0 and result[f"{server}_fetch_ms"] > 0
    assert result["ratio_fetch"] > 0
