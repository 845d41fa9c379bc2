"""`GET /api/v1/search`: full-text search over the signed-in account's messages."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.context import INDEX
from services.gateway.present import search_item
from services.gateway.schemas import SearchPage, SearchQuery
from shared.model import Account


async def search(request: web.Request, account: Account) -> web.StreamResponse:
    query = read_query(request, SearchQuery)
    results = await request.app[INDEX].search(
        account.id, query.q, limit=query.limit, offset=query.offset
    )
    return json_response(
        SearchPage(items=[search_item(hit) for hit in results.items], total=results.total)
    )
