"""The notify service's settings: the channel adapter chosen, and a bad provider
configuration refused at start-up without showing its secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.notify.channels.http_provider import HttpProviderChannel
from services.notify.channels.spool import SpoolChannel
from services.notify.service import open_channel
from services.notify.settings import NotifySettings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BUREAU_"):
            monkeypatch.delenv(name)


def test_defaults_spool_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_DATA_DIR", "/srv/bureau")
    monkeypatch.setenv("BUREAU_HOSTNAME", "mail.example.test")
    settings = NotifySettings()
    channel = open_channel(settings)
    assert isinstance(channel, SpoolChannel)
    assert channel.directory == Path("/srv/bureau/channels")
    assert settings.bounce_sender == "postmaster@mail.example.test"
    assert settings.notifications_from == "postmaster@mail.example.test"


def test_notification_sender_and_postmaster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_POSTMASTER", "bounces@example.test")
    assert NotifySettings().notifications_from == "bounces@example.test"
    monkeypatch.setenv("BUREAU_NOTIFICATION_SENDER", "alerts@example.test")
    assert NotifySettings().notifications_from == "alerts@example.test"


def test_http_channel_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_CHANNEL", "http")
    monkeypatch.setenv("BUREAU_CHANNEL_ENDPOINT", "https://sms.example.com/v1?key=k3y")
    monkeypatch.setenv("BUREAU_CHANNEL_BEARER_TOKEN", "tok-secret")
    monkeypatch.setenv("BUREAU_CHANNEL_TEMPORARY_STATUSES", "[429]")
    monkeypatch.setenv("BUREAU_CHANNEL_SMS_TEMPLATE", '{"to": "{number}", "parts": "{parts}"}')
    settings = NotifySettings()
    provider = settings.provider_settings()
    assert provider.endpoint == "https://sms.example.com/v1?key=k3y"
    assert provider.bearer_token is not None
    assert provider.bearer_token.get_secret_value() == "tok-secret"
    assert provider.temporary_statuses == frozenset({429})
    assert isinstance(open_channel(settings), HttpProviderChannel)
    assert "tok-secret" not in repr(settings)


def test_http_channel_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_CHANNEL", "http")
    with pytest.raises(ValidationError, match="BUREAU_CHANNEL_ENDPOINT"):
        NotifySettings()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BUREAU_CHANNEL_SMS_TEMPLATE", '{"to": "{phone}"}', "unknown placeholder"),
        ("BUREAU_CHANNEL_FAX_TEMPLATE", "not json", "not JSON"),
        ("BUREAU_CHANNEL_USERNAME", "acme", "not both"),
    ],
)
def test_bad_provider_settings_are_refused_without_secrets(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv("BUREAU_CHANNEL", "http")
    monkeypatch.setenv("BUREAU_CHANNEL_ENDPOINT", "https://sms.example.com/v1?key=k3y-secret")
    monkeypatch.setenv("BUREAU_CHANNEL_BEARER_TOKEN", "tok-secret")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=message) as caught:
        NotifySettings()
    assert "tok-secret" not in str(caught.value)
    assert "k3y-secret" not in str(caught.value)


def test_a_spool_setup_ignores_the_provider_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_CHANNEL_SMS_TEMPLATE", "not json")
    assert NotifySettings().channel == "spool"
