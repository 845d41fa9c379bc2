"""Search: the query line, the advanced form, recent searches, correspondents (F28-F33)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import correspondents, search
from services.gateway.schemas import (
    AdvancedQuery,
    CorrespondentQuery,
    RecentSearches,
    ResultsQuery,
    SearchPage,
    SearchQuery,
)

SEARCH: tuple[Endpoint, ...] = (
    private(
        "GET",
        f"{API}/search",
        search.search,
        "Search with the search language; at most 200 results, by relevance (400 with the"
        " position of a syntax error)",
        SearchPage,
        query=SearchQuery,
        tag="search",
    ),
    private(
        "POST",
        f"{API}/search",
        search.advanced_search,
        "Advanced search: every criterion of the form must hold",
        SearchPage,
        request=AdvancedQuery,
        query=ResultsQuery,
        tag="search",
    ),
    private(
        "GET",
        f"{API}/search/recent",
        search.recent_searches,
        "The last 5 searches, newest first",
        RecentSearches,
        tag="search",
    ),
    private(
        "GET",
        f"{API}/correspondents/{{address}}/messages",
        correspondents.correspondent_messages,
        "Every message received from or sent to an address, newest first",
        SearchPage,
        query=CorrespondentQuery,
        tag="search",
    ),
)
