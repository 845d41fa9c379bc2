"""Writing and sending (F1, F2, F34, F48, F49): the composition a client edits, and what
sending, saving a draft or a template answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from services.gateway.schemas.core import Request, Schema
from services.gateway.schemas.listing import AddressOut
from shared.mail.compose.types import Priority

MAX_RECIPIENTS_FIELD = 1000  # per header; a plan usually allows far fewer
MAX_BODY_CHARS = 20_000_000


class AddressIn(Request):
    name: str = Field(default="", max_length=256)
    address: str = Field(min_length=3, max_length=320)


# "Name <addr@example.net>", "addr@example.net", or {"name", "address"}.
Recipient = Annotated[str, StringConstraints(min_length=3, max_length=600)] | AddressIn


class AttachmentRef(Request):
    """An attachment of a composition: an upload (`upload_id`), a part of one of the
    account's messages (`message_id` and `part`: forwards, drafts, templates), or the
    vCard of the user's profile (`vcard: true`, F22)."""

    upload_id: str | None = None
    message_id: str | None = None
    part: str | None = None
    vcard: bool = False
    inline: bool = Field(default=False, description="an image the HTML shows as cid:")
    content_id: str | None = Field(
        default=None, max_length=250, description='"<id>" the HTML names as cid:id'
    )

    @model_validator(mode="after")
    def _one_source(self) -> AttachmentRef:
        sources = [self.upload_id is not None, self.message_id is not None, self.vcard]
        if sum(sources) != 1:
            raise ValueError("give one of upload_id, message_id with part, or vcard")
        if (self.message_id is None) != (self.part is None):
            raise ValueError("message_id and part go together")
        if self.inline and not self.content_id:
            raise ValueError("an inline attachment needs a content_id")
        return self


class CompositionIn(Request):
    identity_id: str | None = Field(
        default=None, description="sender identity; null: the default one (F5)"
    )
    to: list[Recipient] = Field(default_factory=list, max_length=MAX_RECIPIENTS_FIELD)
    cc: list[Recipient] = Field(default_factory=list, max_length=MAX_RECIPIENTS_FIELD)
    bcc: list[Recipient] = Field(default_factory=list, max_length=MAX_RECIPIENTS_FIELD)
    subject: str = Field(default="", max_length=998)
    text: str | None = Field(default=None, max_length=MAX_BODY_CHARS)
    html: str | None = Field(
        default=None, max_length=MAX_BODY_CHARS, description="sanitised by the server"
    )
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=500)
    priority: Priority = Field(default="normal", description="X-Priority and Importance (F49)")
    request_receipt: bool | None = Field(
        default=None, description="Disposition-Notification-To; null: the preference (F48)"
    )
    in_reply_to: str | None = Field(default=None, max_length=998, description="a Message-ID")
    references: list[str] = Field(default_factory=list, max_length=200)


class SendRequest(CompositionIn):
    draft_id: str | None = Field(
        default=None, description="a draft this message replaces: it leaves Drafts once sent"
    )


class AttachmentRefOut(Schema):
    upload_id: str | None = None
    message_id: str | None = None
    part: str | None = None
    vcard: bool = False
    filename: str
    content_type: str
    size: int
    inline: bool = False
    content_id: str | None = None


class CompositionOut(Schema):
    """A message to edit; send it back as it is to send, save or update it."""

    identity_id: str | None
    sender: AddressOut | None = Field(serialization_alias="from")
    to: list[AddressOut]
    cc: list[AddressOut]
    bcc: list[AddressOut]
    subject: str
    text: str | None
    html: str | None
    attachments: list[AttachmentRefOut]
    priority: Priority
    request_receipt: bool
    in_reply_to: str | None
    references: list[str]


class SavedMessage(CompositionOut):
    """A draft or a template: its message id (in Drafts or Templates) and its content."""

    id: str
    folder_id: str
    date: datetime


class SavedList(Schema):
    items: list[SavedMessage]


class SentOut(Schema):
    id: str = Field(description="the copy in Sent")
    message_id: str = Field(description="the Message-ID header")
    recipients: list[str] = Field(description="every envelope recipient, Bcc included")
    queued_at: datetime


class ReplyQuery(Schema):
    all: bool = Field(default=False, description="reply to all: the other recipients in Cc")
    template_id: str | None = Field(default=None, description="start from this template")


class NewQuery(Schema):
    identity_id: str | None = None
    template_id: str | None = Field(default=None, description="start from this template")
