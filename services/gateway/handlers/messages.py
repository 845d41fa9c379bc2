"""One message of the signed-in account: rendered for display, its original HTML in a
sandbox, or its original bytes (F18)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.context import BLOBS
from services.gateway.display import DisplayMode, original_headers
from services.gateway.errors import not_found
from services.gateway.handlers.lookup import mailbox_of, own_message
from services.gateway.receipts import on_open
from services.gateway.rendering import message_detail
from services.gateway.schemas import DisplayQuery
from shared.model import Account


async def get_message(request: web.Request, account: Account) -> web.StreamResponse:
    """The body in the display mode asked for, else the user's preferred one. Opening a
    message that asks for a read receipt sends it, dismisses it or leaves it pending for
    the user to decide, as the `send_receipts` preference says (F48)."""
    query = read_query(request, DisplayQuery)
    message = await own_message(request, account)
    preferences = await mailbox_of(request).preferences(account.id)
    message = await on_open(request, account, message, preferences.send_receipts)
    mode = query.display or preferences.display_mode
    return json_response(message_detail(message, DisplayMode(mode)))


async def get_original(request: web.Request, account: Account) -> web.StreamResponse:
    """The HTML part as sent, served so that it can neither run scripts nor load anything
    (Content-Security-Policy and sandbox from `display.original_headers`)."""
    message = await own_message(request, account)
    if not message.html_body:
        raise not_found()
    return web.Response(
        body=message.html_body.encode(),
        content_type="text/html",
        charset="utf-8",
        headers=original_headers(),
    )


async def get_raw_message(request: web.Request, account: Account) -> web.StreamResponse:
    message = await own_message(request, account)
    raw = await request.app[BLOBS].get(message.blob_id)
    return web.Response(
        body=raw,
        content_type="message/rfc822",
        # Served as a download: a browser never renders a stranger's bytes in our origin.
        headers={"Content-Disposition": f'attachment; filename="{message.id}.eml"'},
    )
