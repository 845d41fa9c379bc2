"""Settings of the notify service: which channel adapter carries SMS and fax, where
notifications come from, and how long a channel delivery is retried."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import SettingsConfigDict

from services.notify.channels.http_provider import (
    DEFAULT_FAX_TEMPLATE,
    DEFAULT_SMS_TEMPLATE,
    HttpProviderSettings,
)
from shared.settings import CommonSettings

DAY = 86400.0


class NotifySettings(CommonSettings):
    # A refused value is never echoed in the error: it may be a token or a keyed URL.
    model_config = SettingsConfigDict(
        env_prefix="BUREAU_", extra="ignore", hide_input_in_errors=True
    )

    channel: Literal["spool", "http"] = Field(
        default="spool",
        description="SMS and fax adapter: files under spool_dir (development) or an HTTP provider",
    )
    spool_dir: Path | None = Field(
        default=None, description="directory of the spool channel (data_dir/channels)"
    )
    channel_endpoint: str | None = Field(
        default=None, description="URL SMS are sent to (channel http)"
    )
    channel_fax_endpoint: str | None = Field(
        default=None, description="URL faxes are sent to; default channel_endpoint"
    )
    channel_method: Literal["POST", "PUT"] = "POST"
    channel_bearer_token: SecretStr | None = None
    channel_username: str | None = None
    channel_password: SecretStr | None = None
    channel_sms_template: str = Field(
        default=DEFAULT_SMS_TEMPLATE, description="JSON payload of an SMS, with placeholders"
    )
    channel_fax_template: str = Field(
        default=DEFAULT_FAX_TEMPLATE, description="JSON payload of a fax, with placeholders"
    )
    channel_id_key: str | None = Field(
        default="id", description="dotted path of the provider's message id in its answer"
    )
    channel_timeout: float = Field(default=30.0, gt=0, description="seconds per provider request")
    channel_temporary_statuses: frozenset[int] = Field(
        default=frozenset({401, 408, 425, 429}),
        description="4xx answers of the provider retried rather than bounced",
    )
    # An SMS or fax days late is of little use: a shorter period than e-mail's.
    channel_retry_period: float = Field(
        default=DAY, gt=0, description="seconds a temporary channel failure is retried"
    )
    channel_retry_first: float = Field(
        default=60.0, gt=0, description="seconds before the first channel retry"
    )
    channel_retry_max: float = Field(
        default=3600.0, gt=0, description="longest wait between channel retries"
    )
    hostname: str = Field(default_factory=socket.getfqdn, description="name given in EHLO")
    postmaster: str | None = Field(
        default=None, description="sender of bounces (postmaster@hostname)"
    )
    notification_sender: str | None = Field(
        default=None, description="From of new-mail notifications (the postmaster)"
    )

    @model_validator(mode="after")
    def _provider(self) -> NotifySettings:
        if self.channel == "http":
            self.provider_settings()  # refuse a bad provider configuration at start-up
        return self

    @property
    def spool_directory(self) -> Path:
        return self.spool_dir or self.data_dir / "channels"

    @property
    def bounce_sender(self) -> str:
        return self.postmaster or f"postmaster@{self.hostname}"

    @property
    def notifications_from(self) -> str:
        return self.notification_sender or self.bounce_sender

    def provider_settings(self) -> HttpProviderSettings:
        """The HTTP provider adapter's settings. Raises `ValueError` naming the variable
        at fault, never showing a secret, an endpoint's query string or a template."""
        if not self.channel_endpoint:
            raise ValueError("channel http needs BUREAU_CHANNEL_ENDPOINT")
        try:
            return HttpProviderSettings(
                endpoint=self.channel_endpoint,
                fax_endpoint=self.channel_fax_endpoint,
                method=self.channel_method,
                bearer_token=self.channel_bearer_token,
                username=self.channel_username,
                password=self.channel_password,
                sms_template=self.channel_sms_template,
                fax_template=self.channel_fax_template,
                id_key=self.channel_id_key,
                timeout=self.channel_timeout,
                temporary_statuses=self.channel_temporary_statuses,
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"BUREAU_CHANNEL_{'_'.join(str(p) for p in e['loc']).upper() or 'SETTINGS'}:"
                f" {e['msg']}"
                for e in exc.errors(include_input=False, include_url=False)
            )
            raise ValueError(problems) from None
