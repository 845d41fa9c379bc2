"""Search index port: full-text index of every account's messages, fed by `mailbox.changed`.

Changes reach the index out of order (the search service applies them with several
workers), so every write carries the account's modseq and the newest one wins. A removal
leaves a tombstone with its modseq: an addition or update of that message at or below it,
arriving late, is ignored; one above it (the same id stored again) indexes the message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from shared.mail.query import MAX_RESULTS, Node


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
    attachment_text: str = ""  # text of text-like attachments (text/*, HTML, PDF)
    tags: list[str] = Field(default_factory=list)
    date: datetime
    size: int = 0
    unread: bool = True
    flagged: bool = False
    has_attachments: bool = False
    modseq: int = 0


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"


class SearchHit(BaseModel):
    message_id: str
    folder_id: str
    subject: str
    sender: str
    date: datetime
    score: float = 0.0
    # A short extract of the text with the matched words in <mark>…</mark>; everything
    # else HTML-escaped, so a client can show it as HTML.
    snippet: str = ""


class SearchResults(BaseModel):
    items: list[SearchHit]
    total: int


class SearchIndex(Protocol):
    async def upsert(self, doc: IndexDocument) -> None:
        """Index or re-index a message (idempotent: one entry per message).

        An older `modseq` than the one indexed is ignored, so late redeliveries do not
        roll a message back; so is one at or below the modseq of the message's tombstone
        (its removal came first). A higher one replaces the tombstone.
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
        tags: list[str],
        modseq: int,
    ) -> bool:
        """Change the mutable fields of an indexed message without re-reading its text
        (ignored when the index holds a newer modseq). True when the index needs nothing
        more: the message was updated, holds a newer state, or was removed at or above
        `modseq` (its tombstone wins). False when the message is not indexed at all (its
        `message.added` not applied yet): the caller then indexes it whole, and the late
        add, older, is ignored."""
        ...

    async def delete(self, account_id: str, message_id: str, *, modseq: int) -> None:
        """Remove a message and keep a tombstone at `modseq` (the removal's), so that a
        late addition or update at or below it does not bring the message back. Ignored
        when the index holds the message at a higher modseq (stored again since);
        deleting twice is not an error."""
        ...

    async def prune_tombstones(self, before: datetime) -> int:
        """Forget tombstones written before `before` (every account); how many went.
        Past the life of the change stream no late change can still arrive for them."""
        ...

    async def search(
        self,
        account_id: str,
        query: Node,
        *,
        limit: int = MAX_RESULTS,
        offset: int = 0,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> SearchResults:
        """Messages of one account matching `query` (see `shared.mail.query.ast` for what each
        node means), best first (subject and sender weigh more than the body) or newest
        first; `total` counts every match, not only the page."""
        ...

    async def clear(self, account_id: str) -> None:
        """Remove every indexed message and tombstone of one account (before a rebuild)."""
        ...

    async def count(self, account_id: str) -> int:
        """How many messages of the account are indexed (tombstones are not messages)."""
        ...

    async def ping(self) -> None:
        """Raise unless the index answers now: a cheap check for readiness that reads
        nothing of any account."""
        ...

    async def close(self) -> None: ...
