"""Messages as listed: folder pages, thread pages, tagged messages (F19, F20, F55)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from services.gateway.schemas.core import Schema
from shared.model import ReceiptState, SortKey


class PageQuery(Schema):
    page: int = Field(default=1, ge=1, le=1_000_000, description="first page is 1")
    per_page: int | None = Field(
        default=None, ge=1, le=500, description="default: the user's paging preference"
    )


class ListQuery(PageQuery):
    sort: SortKey = SortKey.DATE
    order: Literal["desc", "asc"] = "desc"
    unread: bool = Field(default=False, description="unread messages only (F19)")


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
    deleted: bool = Field(description="IMAP \\Deleted, not yet expunged (shown struck through)")
    answered: bool = Field(default=False, description="replied to (IMAP \\Answered)")
    draft: bool = Field(default=False, description="IMAP \\Draft")
    receipt: ReceiptState | None = Field(
        default=None,
        description="read receipt the sender asked for (RFC 8098): pending (the user is asked"
        " to send or dismiss it), sent or dismissed; null when none was asked",
    )
    has_attachments: bool
    has_comment: bool
    tags: list[str] = Field(description="tag names")
    size: int
    thread_id: str
    folder_id: str


class Paged(Schema):
    total: int
    page: int
    per_page: int = Field(description="page size used; the whole list when not paginated")
    paginated: bool


class MessagePage(Paged):
    items: list[MessageItem]


class ThreadOut(Schema):
    id: str
    subject: str
    count: int
    unread: bool = Field(description="the thread holds unread mail")
    last_date: datetime
    messages: list[MessageItem] = Field(description="oldest first")


class ThreadPage(Paged):
    items: list[ThreadOut] = Field(description="newest activity first")
