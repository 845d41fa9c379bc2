"""Request and response models of the HTTP API; the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, SecretStr, StringConstraints

from shared.model import FolderRole


class Schema(BaseModel):
    # `from` is a Python keyword: such fields are named `sender` and written as `from`.
    model_config = ConfigDict(serialize_by_alias=True)


# --- requests -------------------------------------------------------------------------
class LoginRequest(Schema):
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
    password: SecretStr = Field(min_length=1, max_length=1024)


class PageQuery(Schema):
    page: int = Field(default=1, ge=1, le=1_000_000, description="first page is 1")
    per_page: int = Field(default=50, ge=1, le=500)


class SearchQuery(Schema):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=100_000)


# --- responses ------------------------------------------------------------------------
class ErrorBody(Schema):
    code: str
    message: str


class ErrorResponse(Schema):
    error: ErrorBody


class Health(Schema):
    status: Literal["ok"]


class SessionToken(Schema):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime


class FolderOut(Schema):
    id: str
    name: str
    role: FolderRole | None
    parent_id: str | None
    total: int
    unread: int


class FolderList(RootModel[list[FolderOut]]):
    pass


class AddressOut(Schema):
    name: str
    address: str


class MessageItem(Schema):
    id: str
    subject: str
    sender: str = Field(
        serialization_alias="from", description='display form: "Name <addr>" or addr'
    )
    from_address: AddressOut | None
    to: list[str]
    date: datetime
    unread: bool
    flagged: bool
    has_attachments: bool
    size: int
    thread_id: str


class MessagePage(Schema):
    items: list[MessageItem]
    total: int


class AttachmentOut(Schema):
    part: str = Field(description="MIME part path (IMAP section numbering)")
    filename: str
    content_type: str
    size: int


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
    size: int
    text: str
    html: str = Field(description="sanitised: no scripts, forms, remote content or images")
    attachments: list[AttachmentOut]


class SearchItem(Schema):
    id: str
    folder_id: str
    subject: str
    sender: str = Field(serialization_alias="from")
    date: datetime


class SearchPage(Schema):
    items: list[SearchItem]
    total: int
