"""Configuration of the gateway service (`BUREAU_*` environment variables)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from shared.settings import CommonSettings, Listen

_MIN_SECRET = 16
_KEY_FILE = "gateway-secret.key"


class GatewaySettings(CommonSettings):
    http_listen: Listen = Field(default="127.0.0.1:8080", description="host:port of the HTTP API")
    secret_key: SecretStr | None = Field(
        default=None,
        description="signing key of session tokens; every replica needs the same one",
    )
    token_ttl: int = Field(default=86400, ge=60, description="session token lifetime, seconds")
    imap_listen: Listen = Field(default="127.0.0.1:2143", description="IMAP (STARTTLS) host:port")
    imaps_listen: Listen = Field(
        default="127.0.0.1:2993", description="IMAP over implicit TLS host:port"
    )
    pop3_listen: Listen = Field(default="127.0.0.1:2110", description="POP3 (STLS) host:port")
    pop3s_listen: Listen = Field(
        default="127.0.0.1:2995", description="POP3 over implicit TLS host:port"
    )
    mail_hostname: str = Field(
        default="localhost", description="name the IMAP and POP3 servers greet with"
    )
    pop3_lock_ttl: float = Field(
        default=30.0,
        ge=1.0,
        description="seconds a POP3 maildrop lock outlives a gateway replica that died"
        " holding it (its holder renews it every third of that)",
    )

    @field_validator("secret_key")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < _MIN_SECRET:
            raise ValueError(f"secret_key must be at least {_MIN_SECRET} characters")
        return value


def signing_key(settings: GatewaySettings) -> bytes:
    """The token signing key: `secret_key` if set, else one kept in `data_dir`.

    The file fallback only suits the embedded single-machine run; replicas on several
    machines must share `BUREAU_SECRET_KEY`, or tokens from one are refused by another.
    """
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path: Path = settings.data_dir / _KEY_FILE
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # Written aside then linked into place: a racing process sees the whole key or none.
    tmp = path.with_name(f"{_KEY_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_bytes()
    finally:
        tmp.unlink()
    return key
