"""Search index port: full-text index of every account's messages, fed by `mailbox.changed`."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field


class IndexDocument(BaseModel):
    """What is indexed of one message."""

    account_id: str
    message_id: str
    folder_id: str
    subject: str = ""
    sender: str = ""  # display form: name and address
    to: str = ""
    cc: str = ""
    body: str = ""
    attachment_names: list[str] = Field(default_factory=list)
    date: datetime
    size: int = 0
    unread: bool = True
    flagged: bool = False
    has_attachments: bool = False
    modseq: int = 0


class SearchHit(BaseModel):
    message_id: str
    folder_id: str
    subject: str
    sender: str
    date: datetime
    score: float = 0.0


class SearchResults(BaseModel):
    items: list[SearchHit]
    total: int


class SearchIndex(Protocol):
    async def upsert(self, doc: IndexDocument) -> None:
        """Index or re-index a message (idempotent: one entry per message).

        An older `modseq` than the one indexed is ignored, so late redeliveries do not
        roll a message back.
        """
        ...

    async def update_state(
        self,
        account_id: str,
        message_id: str,
        *,
        folder_id: str,
        unread: bool,
        flagged: bool,
        modseq: int,
    ) -> None:
        """Change the mutable fields of an indexed message without re-reading its text."""
        ...

    async def delete(self, account_id: str, message_id: str) -> None: ...

    async def search(
        self, account_id: str, words: str, *, limit: int = 200, offset: int = 0
    ) -> SearchResults:
        """Messages of one account matching every word of `words`, best first."""
        ...

    async def count(self, account_id: str) -> int:
        """How many messages of the account are indexed."""
        ...

    async def close(self) -> None: ...
