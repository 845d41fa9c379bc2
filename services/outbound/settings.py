from __future__ import annotations

import socket
from typing import Literal

from pydantic import Field, SecretStr

from shared.settings import CommonSettings, Listen

DAY = 86400.0


class OutboundSettings(CommonSettings):
    smarthost: Listen | None = Field(
        default=None, description="relay every remote message through host:port (else MX)"
    )
    smarthost_username: str | None = None
    smarthost_password: SecretStr | None = None
    smarthost_tls: Literal["starttls", "implicit", "none"] = Field(
        default="starttls",
        description="TLS to the smarthost: required STARTTLS, port 465 style, or none",
    )
    mx_port: int = Field(default=25, ge=1, le=65535, description="port of recipients' MX hosts")
    dns_nameservers: list[str] = Field(
        default_factory=list,
        description="resolvers for MX lookups (ip or ip:port); system's if empty",
    )
    hostname: str = Field(default_factory=socket.getfqdn, description="name given in EHLO")
    postmaster: str | None = Field(
        default=None, description="sender of bounces (postmaster@hostname)"
    )
    retry_period: float = Field(
        default=5 * DAY, gt=0, description="seconds temporary failures are retried"
    )
    retry_first: float = Field(default=60.0, gt=0, description="seconds before the first retry")
    retry_max: float = Field(default=3600.0, gt=0, description="longest wait between retries")
    smtp_timeout: float = Field(default=60.0, gt=0, description="seconds per SMTP command")
