"""Folders of the signed-in account and the messages in each."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.context import MAILBOX
from services.gateway.present import folder_out, message_item
from services.gateway.schemas import FolderList, MessagePage, PageQuery
from shared.model import Account


async def list_folders(request: web.Request, account: Account) -> web.StreamResponse:
    folders = await request.app[MAILBOX].folders(account.id)
    return json_response(FolderList([folder_out(f) for f in folders]))


async def folder_messages(request: web.Request, account: Account) -> web.StreamResponse:
    """Newest first, `per_page` at a time; an unknown or foreign folder is 404."""
    query = read_query(request, PageQuery)
    page = await request.app[MAILBOX].messages(
        account.id,
        request.match_info["id"],
        offset=(query.page - 1) * query.per_page,
        limit=query.per_page,
    )
    items = [message_item(m) for m in page.items if m.account_id == account.id]
    return json_response(MessagePage(items=items, total=page.total))
