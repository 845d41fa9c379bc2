"""`bureau serve` on a storage engine set up wrong stops with what to change, not a trace."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bureau import cli
from services.store.adapters.mongo_batch import NotAReplicaSet
from shared.settings import CommonSettings


def test_a_standalone_mongodb_stops_serve_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def refused(_names: Sequence[str], _settings: CommonSettings, **_kw: object) -> None:
        raise NotAReplicaSet("MongoDB answers as a standalone server: start mongod with --replSet")

    monkeypatch.setattr(cli, "run_services", refused)
    assert cli.main(["serve", "store"]) == 1
    err = capsys.readouterr().err
    assert "bureau: MongoDB answers as a standalone server" in err
    assert "Traceback" not in err
