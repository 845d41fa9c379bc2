"""The bus keeps FastStream's harmless idle-fetch restart out of the error log."""

from __future__ import annotations

import logging

import nats.errors
import pytest

from shared.runtime.bus import make_broker

MESSAGE = "Task-7 raised an exception, retrying...\nIf this behavior causes issues, ..."


def record(logger: logging.Logger, exc: BaseException, message: str = MESSAGE) -> None:
    logger.error(message, exc_info=exc)


@pytest.mark.parametrize("debug", [False, True])
def test_an_idle_fetch_timeout_is_demoted_to_debug(
    caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    make_broker("nats://127.0.0.1:4222", "logging-test")
    logger = logging.getLogger("bureau.bus.logging-test")
    caplog.set_level(logging.DEBUG if debug else logging.INFO, logger=logger.name)
    record(logger, TimeoutError())  # what nats-py raises after its deadline
    demoted = [r for r in caplog.records if "retrying" in r.getMessage()]
    if debug:
        assert [r.levelno for r in demoted] == [logging.DEBUG]
    else:
        assert demoted == []


def test_other_failures_of_the_pull_loop_stay_errors(caplog: pytest.LogCaptureFixture) -> None:
    make_broker("nats://127.0.0.1:4222", "logging-test")
    logger = logging.getLogger("bureau.bus.logging-test")
    caplog.set_level(logging.INFO, logger=logger.name)
    record(logger, nats.errors.TimeoutError())
    record(logger, RuntimeError("stream gone"))
    record(logger, TimeoutError(), "a handler timed out")
    assert [r.levelno for r in caplog.records] == [logging.ERROR] * 3
