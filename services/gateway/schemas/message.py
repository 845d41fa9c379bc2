"""One message: how it is displayed (F18), changed one at a time, and its attachments (F17)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, RootModel

from services.gateway.schemas.core import Request, Schema
from services.gateway.schemas.listing import AddressOut
from shared.model import DisplayModeName, ReceiptState


class DisplayQuery(Schema):
    display: DisplayModeName | None = Field(
        default=None, description="default: the user's display preference"
    )


class MessageUpdate(Request):
    unread: bool | None = None
    flagged: bool | None = None
    folder_id: str | None = Field(default=None, description="move it there")


class DeleteQuery(Schema):
    permanent: bool = Field(default=False, description="remove for good instead of to Trash")


class AttachmentQuery(Schema):
    inline: bool = Field(default=False, description="display in the browser if the type is safe")


class AttachmentOut(Schema):
    part: str = Field(description="MIME part path (IMAP section numbering)")
    filename: str
    content_type: str
    size: int


class AttachmentInfo(AttachmentOut):
    inline: bool = Field(description="shown inside the body (a cid: image)")


class AttachmentList(RootModel[list[AttachmentInfo]]):
    pass


class BodyOut(Schema):
    mode: DisplayModeName = Field(description="the mode used (original falls back to filtered)")
    kind: Literal["text", "html"]
    content: str
    blocked_remote_images: int = Field(description="remote images left out (filtered mode)")


class MessageDetail(Schema):
    id: str
    folder_id: str
    thread_id: str
    headers: list[tuple[str, str]]
    subject: str
    sender: str = Field(serialization_alias="from")
    from_address: AddressOut | None
    to: list[str]
    cc: list[str]
    date: datetime
    received_at: datetime
    unread: bool
    flagged: bool
    deleted: bool
    answered: bool = Field(default=False, description="replied to (IMAP \\Answered)")
    draft: bool = Field(default=False, description="IMAP \\Draft")
    receipt: ReceiptState | None = Field(
        default=None,
        description="read receipt the sender asked for (RFC 8098): pending (the user is asked"
        " to send or dismiss it), sent or dismissed; null when none was asked",
    )
    size: int
    tags: list[str]
    comment: str | None = Field(description="private note of the owner (F51)")
    filters: list[str] = Field(
        default_factory=list,
        description="ids of the user's filters that acted on the message when it arrived",
    )
    body: BodyOut
    original_url: str | None = Field(
        description="the original HTML, sandboxed; given when display=original"
    )
    text: str
    html: str = Field(description="sanitised: no scripts, forms, remote content or images")
    attachments: list[AttachmentOut]
