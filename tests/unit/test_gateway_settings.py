"""Gateway settings and the signing key they yield."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.gateway.settings import GatewaySettings, signing_key


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert GatewaySettings().http_listen == "127.0.0.1:8080"
    monkeypatch.setenv("BUREAU_HTTP_LISTEN", "[::1]:9090")
    monkeypatch.setenv("BUREAU_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("BUREAU_TOKEN_TTL", "600")
    settings = GatewaySettings()
    assert settings.http_listen == "[::1]:9090" and settings.token_ttl == 600
    assert signing_key(settings) == b"k" * 32
    assert "kkkk" not in repr(settings)


@pytest.mark.parametrize("field", [{"http_listen": "nowhere"}, {"secret_key": "short"}])
def test_bad_values_are_refused(field: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(**field)  # type: ignore[arg-type]


def test_without_a_key_one_is_made_once_and_kept(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path)
    key = signing_key(settings)
    assert len(key) == 32 and signing_key(settings) == key
    path = next(tmp_path.iterdir())
    assert path.stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
