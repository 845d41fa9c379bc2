"""Settings common to every service, read from `BUREAU_*` environment variables.

Each service extends `CommonSettings` with its own class (one per service), so that a
service run alone (`bureau serve NAME`) reads only what it needs, with safe defaults
for the embedded run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.model import TagLimits
from shared.runtime.clients import TrustedProxies


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[::1]:2525`) → (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected host:port, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _valid_listen(value: str) -> str:
    parse_listen(value)
    return value


_TAGS = TagLimits()  # the default bounds of tags

# A `host:port` setting, checked when the settings are read.
Listen = Annotated[str, AfterValidator(_valid_listen)]


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUREAU_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="where the embedded run keeps its data")
    nats_url: str = Field(
        default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated"
    )
    mongodb_uri: SecretStr | None = Field(
        default=None, description="use MongoDB for mailboxes and blobs"
    )
    mongodb_database: str = "bureau"
    opensearch_url: SecretStr | None = Field(
        default=None, description="use OpenSearch for the index"
    )
    opensearch_index_prefix: str = "bureau"
    start_timeout: float = Field(
        default=120.0,
        gt=0,
        description="seconds a starting service waits for NATS and JetStream before it exits",
    )
    stream_replicas: int = Field(default=1, ge=1, le=5, description="JetStream replicas per stream")
    max_deliver: int = Field(
        default=5, ge=1, description="deliveries before a message is dead-lettered"
    )
    ack_wait: float = Field(
        default=30.0, gt=0, description="seconds before an unacknowledged delivery is redelivered"
    )
    health_listen: Listen | None = Field(
        default=None, description="host:port for /healthz, /readyz and /metrics"
    )
    log_level: str = "INFO"
    tls_cert: Path | None = Field(
        default=None,
        description="PEM certificate chain for IMAP, POP3 and submission TLS; unset: a"
        " self-signed one is made in data_dir/tls",
    )
    tls_key: Path | None = Field(default=None, description="PEM private key of tls_cert")
    login_max_failures: int = Field(
        default=10,
        ge=1,
        description="failed logins for one account from one client before that client is"
        " refused for it",
    )
    login_window: float = Field(
        default=300.0, gt=0, description="seconds over which failed logins count (the lockout)"
    )
    login_account_max_failures: int = Field(
        default=30,
        ge=1,
        description="failed logins for one account from all clients before clients that"
        " failed for it already (and never signed in to it) are refused",
    )
    login_client_max_failures: int = Field(
        default=100,
        ge=1,
        description="failed logins from one client over all accounts before it is refused"
        " for the accounts it never signed in to",
    )
    login_known_client_ttl: float = Field(
        default=30 * 86400.0,
        gt=0,
        description="seconds a successful login keeps a client known to the account (exempt"
        " from the per-account and per-client limits)",
    )
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses and CIDR networks of reverse proxies whose"
        " X-Forwarded-For (HTTP) and PROXY protocol header (IMAP, POP3, submission) name the"
        " client",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.trusted_proxies)

    max_tags_per_message: int = Field(
        default=_TAGS.per_message, ge=1, description="tags (IMAP keywords) one message carries"
    )
    max_tags_per_account: int = Field(
        default=_TAGS.per_account, ge=1, description="distinct tags of one account"
    )
    max_tag_changes: int = Field(
        default=_TAGS.per_change,
        ge=1,
        description="message-tag pairs one change may name (one IMAP STORE, one API action)",
    )

    @property
    def tag_limits(self) -> TagLimits:
        return TagLimits(
            per_message=self.max_tags_per_message,
            per_account=self.max_tags_per_account,
            per_change=self.max_tag_changes,
        )

    @property
    def mailbox_db(self) -> Path:
        return self.data_dir / "mailboxes.sqlite3"

    @property
    def index_db(self) -> Path:
        return self.data_dir / "index.sqlite3"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"
