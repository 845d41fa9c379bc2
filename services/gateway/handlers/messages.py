"""One message of the signed-in account: parsed and sanitised, or its original bytes."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response
from services.gateway.context import BLOBS, MAILBOX
from services.gateway.errors import not_found
from services.gateway.present import message_detail
from shared.model import Account, StoredMessage


async def _own_message(request: web.Request, account: Account) -> StoredMessage:
    """The message named in the path; another account's looks exactly like a missing one."""
    message = await request.app[MAILBOX].message(account.id, request.match_info["id"])
    if message.account_id != account.id:
        raise not_found()
    return message


async def get_message(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response(message_detail(await _own_message(request, account)))


async def get_raw_message(request: web.Request, account: Account) -> web.StreamResponse:
    message = await _own_message(request, account)
    raw = await request.app[BLOBS].get(message.blob_id)
    return web.Response(
        body=raw,
        content_type="message/rfc822",
        # Served as a download: a browser never renders a stranger's bytes in our origin.
        headers={"Content-Disposition": f'attachment; filename="{message.id}.eml"'},
    )
