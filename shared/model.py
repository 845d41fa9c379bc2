"""Mailbox domain types that cross the store, index and gateway ports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field


class FolderRole(StrEnum):
    """System folders every account has; user folders have no role."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TEMPLATES = "templates"
    TRASH = "trash"
    SPAM = "spam"


SYSTEM_FOLDERS: dict[FolderRole, str] = {
    FolderRole.INBOX: "Inbox",
    FolderRole.SENT: "Sent",
    FolderRole.DRAFTS: "Drafts",
    FolderRole.TEMPLATES: "Templates",
    FolderRole.TRASH: "Trash",
    FolderRole.SPAM: "Spam",
}


class Account(BaseModel):
    id: str
    address: str
    password_hash: str = Field(repr=False)
    created_at: datetime


class Folder(BaseModel):
    id: str
    account_id: str
    name: str
    role: FolderRole | None = None
    parent_id: str | None = None
    total: int = 0
    unread: int = 0


class Address(BaseModel):
    """One mailbox of an address header: display name and addr-spec."""

    name: str = ""
    address: str = ""

    def display(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.address or self.name


class Attachment(BaseModel):
    part: str  # MIME part path, e.g. "2" or "2.1"
    filename: str
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False


class ParsedMessage(BaseModel):
    """What the store keeps beside the raw blob: best-effort parse of RFC 5322 / MIME."""

    message_id: str | None = None
    in_reply_to: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    subject: str = ""
    sender: Address | None = None
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    date: datetime | None = None
    headers: list[tuple[str, str]] = Field(default_factory=list)
    text_body: str = ""
    html_body: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    defects: list[str] = Field(default_factory=list)


class NewMessage(BaseModel):
    """A message to add to one folder of one account (the store's `deliver` input)."""

    event_id: str
    account_id: str
    folder_id: str
    blob_id: str
    size: int
    received_at: datetime
    unread: bool = True
    flagged: bool = False
    parsed: ParsedMessage


class MessageSummary(BaseModel):
    """A message as listed in a folder."""

    id: str
    account_id: str
    folder_id: str
    blob_id: str
    subject: str
    sender: Address | None
    to: list[Address]
    cc: list[Address] = Field(default_factory=list)
    date: datetime  # header Date, else arrival time
    received_at: datetime
    size: int
    unread: bool
    flagged: bool
    has_attachments: bool
    thread_id: str
    modseq: int


class StoredMessage(MessageSummary):
    """A message with everything the store parsed from it."""

    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    headers: list[tuple[str, str]]
    text_body: str
    html_body: str
    attachments: list[Attachment]


class Delivery(BaseModel):
    """Result of `MailboxStore.deliver`: the message id, and whether this call created it."""

    message_id: str
    created: bool


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
