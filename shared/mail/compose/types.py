"""A message as Bureau writes it, before it becomes bytes (see `build.build_message`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.model import Address

Priority = Literal["high", "normal", "low"]


class OutgoingAttachment(BaseModel):
    filename: str
    content_type: str = "application/octet-stream"  # "type/subtype", parameters dropped
    data: bytes
    content_id: str | None = None  # "<id>" for an inline image the HTML names as cid:id
    inline: bool = False


class Outgoing(BaseModel):
    """Everything a composed message holds. `message_id` is "<local@domain>"."""

    sender: Address
    reply_to: Address | None = None
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    bcc: list[Address] = Field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    attachments: list[OutgoingAttachment] = Field(default_factory=list)
    priority: Priority = "normal"
    receipt_to: Address | None = None  # Disposition-Notification-To (RFC 8098)
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    message_id: str
    date: datetime
