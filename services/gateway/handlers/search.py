"""Searching the signed-in account's mail: the query line, the advanced form, and the last
searches (F28-F32). A search that worked is remembered, as a line `GET` can run again."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_json, read_query
from services.gateway.context import INDEX
from services.gateway.errors import ApiError
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.query_text import folder_paths, query_text
from services.gateway.schemas import AdvancedQuery, RecentSearches, ResultsQuery, SearchQuery
from services.gateway.searches import run_search
from shared.mail.query import Node, QuerySyntaxError, parse
from shared.model import Account


async def search(request: web.Request, account: Account) -> web.StreamResponse:
    query = read_query(request, SearchQuery)
    tree = _parsed(query.q)
    mailbox = mailbox_of(request)
    folders = await mailbox.folders(account.id)
    page = await run_search(request.app[INDEX], account.id, tree, query, folders)
    if query.remember:
        await mailbox.remember_search(account.id, query.q)
    return json_response(page)


async def advanced_search(request: web.Request, account: Account) -> web.StreamResponse:
    """The same answer as `GET /search`; remembered as the equivalent line."""
    results = read_query(request, ResultsQuery)
    form = await read_json(request, AdvancedQuery)
    tree = _form_query(form)
    mailbox = mailbox_of(request)
    folders = await mailbox.folders(account.id)
    page = await run_search(request.app[INDEX], account.id, tree, results, folders)
    # None only for a folder_id not among the account's folders (or a name with a quote).
    line = query_text(tree, folder_paths(folders))
    if line is not None:
        await mailbox.remember_search(account.id, line)
    return json_response(page)


async def recent_searches(request: web.Request, account: Account) -> web.StreamResponse:
    items = await mailbox_of(request).recent_searches(account.id)
    return json_response(RecentSearches(items=items))


def _parsed(q: str) -> Node:
    try:
        return parse(q)
    except QuerySyntaxError as exc:
        raise _invalid(exc) from None


def _form_query(form: AdvancedQuery) -> Node:
    try:
        return form.to_query()
    except QuerySyntaxError as exc:
        if exc.field is None:  # nothing given, or only exclusions: no text to point into
            raise ApiError(400, "invalid_query", exc.message) from None
        raise _invalid(exc) from None


def _invalid(exc: QuerySyntaxError) -> ApiError:
    """A 400 saying where the syntax error is (and in which form field, if one)."""
    where = f"{exc.field}: " if exc.field else ""
    message = f"{where}{exc.message} at position {exc.position}"
    return ApiError(400, "invalid_query", message, position=exc.position)
