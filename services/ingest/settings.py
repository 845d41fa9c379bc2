from __future__ import annotations

import socket

from pydantic import Field

from shared.settings import CommonSettings, Listen

MAX_MESSAGE_SIZE = 50 * 1024 * 1024


class IngestSettings(CommonSettings):
    smtp_listen: Listen = Field(default="127.0.0.1:2525", description="inbound SMTP host:port")
    smtp_hostname: str = Field(default_factory=socket.getfqdn)
    max_message_size: int = Field(default=MAX_MESSAGE_SIZE, ge=1024)
    max_recipients: int = Field(default=100, ge=1, description="RCPT TO per transaction")
    submission_listen: Listen = Field(
        default="127.0.0.1:2587", description="SMTP submission (STARTTLS) host:port"
    )
    submissions_listen: Listen = Field(
        default="127.0.0.1:2465", description="SMTP submission over implicit TLS host:port"
    )
