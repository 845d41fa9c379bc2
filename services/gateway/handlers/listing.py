"""Lists of messages: a folder's, a tag's (F19, F50, F55)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.handlers.lookup import mailbox_of, own_folder, own_tag
from services.gateway.paging import fetch_window, window
from services.gateway.present import message_item
from services.gateway.schemas import ListQuery, MessagePage, PageQuery
from shared.model import Account, MessageSummary, Page


async def folder_messages(request: web.Request, account: Account) -> web.StreamResponse:
    """Sorted and paged as asked, else by the paging preference; unknown folder is 404."""
    query = read_query(request, ListQuery)
    mailbox = mailbox_of(request)
    folder = await own_folder(request, account, request.match_info["id"])
    win = window(query, await mailbox.preferences(account.id), folder.total)

    async def fetch(offset: int, limit: int) -> Page[MessageSummary]:
        return await mailbox.messages(
            account.id,
            folder.id,
            offset=offset,
            limit=limit,
            sort=query.sort,
            descending=query.order == "desc",
            unread_only=query.unread,
        )

    page = await fetch_window(fetch, win, folder.unread if query.unread else folder.total)
    return _answer(page, win.described(page.total), account)


async def tag_messages(request: web.Request, account: Account) -> web.StreamResponse:
    """Messages carrying a tag, in every folder, newest first."""
    query = read_query(request, PageQuery)
    mailbox = mailbox_of(request)
    tag = await own_tag(request, account, request.match_info["id"])

    async def fetch(offset: int, limit: int) -> Page[MessageSummary]:
        return await mailbox.tagged(account.id, tag.id, offset=offset, limit=limit)

    preferences = await mailbox.preferences(account.id)
    # How many carry the tag is only known from a first page.
    first = await fetch(0, preferences.page_size) if query.per_page is None else None
    win = window(query, preferences, first.total if first else 0)
    if (
        first is not None
        and win.offset == 0
        and (win.per_page == preferences.page_size or len(first.items) == first.total)
    ):
        page = first  # the first page asked for is the one already fetched
    else:
        page = await fetch_window(fetch, win, first.total if first else 0)
    return _answer(page, win.described(page.total), account)


def _answer(
    page: Page[MessageSummary], paged: dict[str, int | bool], account: Account
) -> web.Response:
    items = [message_item(m) for m in page.items if m.account_id == account.id]
    return json_response(MessagePage.model_validate({"items": items, **paged}))
