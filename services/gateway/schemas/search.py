"""Search (F28-F33): the query line, the advanced form, results and recent searches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from services.gateway.schemas.core import Schema
from shared.mail.query import MAX_RESULTS, AdvancedQuery
from shared.ports import SearchSort

__all__ = [
    "AdvancedQuery",  # the advanced-search form (F29), the request body as it is
    "CorrespondentQuery",
    "RecentSearches",
    "ResultsQuery",
    "SearchItem",
    "SearchPage",
    "SearchQuery",
]


# --- requests -------------------------------------------------------------------------
class ResultsQuery(Schema):
    """Which results: their order, and a slice of the first 200 (F31)."""

    sort: SearchSort = Field(
        default=SearchSort.RELEVANCE, description="relevance: best first; date: newest first"
    )
    limit: int = Field(default=50, ge=1, le=MAX_RESULTS)
    offset: int = Field(
        default=0, ge=0, description=f"offset + limit may not exceed {MAX_RESULTS} (F31)"
    )

    @field_validator("offset")
    @classmethod
    def _within_the_cap(cls, offset: int, info: ValidationInfo) -> int:
        # `limit` is validated first (field order); when it failed, its own error says so.
        limit = info.data.get("limit")
        if isinstance(limit, int) and offset + limit > MAX_RESULTS:
            raise ValueError(f"offset + limit may not exceed {MAX_RESULTS}")
        return offset


class CorrespondentQuery(ResultsQuery):
    sort: SearchSort = Field(
        default=SearchSort.DATE, description="date: newest first; relevance: best first"
    )


class SearchQuery(ResultsQuery):
    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
        Field(
            description='the search language: words (all of them), OR, "a phrase", info* (4+'
            " characters), -word, field:value such as tag:urgent; case-insensitive"
        ),
    ]
    remember: bool = Field(
        default=True,
        description="keep it among the recent searches (false for search-as-you-type)",
    )


# --- responses ------------------------------------------------------------------------
class SearchItem(Schema):
    id: str
    folder_id: str
    folder_name: str | None = Field(description="null if the folder went away meanwhile")
    subject: str
    sender: str = Field(serialization_alias="from")
    date: datetime
    snippet: str = Field(
        description="HTML: an extract with the matched words in <mark>, all else escaped"
    )
    score: float = Field(description="relevance, higher is better; compare within one answer")


class SearchPage(Schema):
    items: list[SearchItem]
    total: int = Field(description="every match, even past the 200 that can be shown")
    capped: bool = Field(
        description=f"more than {MAX_RESULTS} matches: only the {MAX_RESULTS} most relevant"
        " can be paged through (F31)"
    )


class RecentSearches(Schema):
    items: list[str] = Field(description="newest first, at most 5; each can be run as `q`")
