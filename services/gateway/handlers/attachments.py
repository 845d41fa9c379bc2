"""A message's attachments: the list, one decoded part, or all of them zipped (F17)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.attachments import (
    PartNotFound,
    content_disposition,
    extract_part,
    zip_attachments,
)
from services.gateway.bodies import json_response, read_query
from services.gateway.context import BLOBS
from services.gateway.errors import not_found
from services.gateway.handlers.lookup import own_message
from services.gateway.part_types import header_charset, protective_headers, served_as
from services.gateway.present import attachment_info
from services.gateway.schemas import AttachmentList, AttachmentQuery
from shared.model import Account


async def list_attachments(request: web.Request, account: Account) -> web.StreamResponse:
    message = await own_message(request, account)
    return json_response(AttachmentList([attachment_info(a) for a in message.attachments]))


async def get_attachment(request: web.Request, account: Account) -> web.StreamResponse:
    """The part's decoded bytes; only parts listed as attachments are served."""
    query = read_query(request, AttachmentQuery)
    message = await own_message(request, account)
    part = request.match_info["part"]
    attachment = next((a for a in message.attachments if a.part == part), None)
    if attachment is None:
        raise not_found()
    raw = await request.app[BLOBS].get(message.blob_id)
    try:
        extracted = extract_part(raw, part)
    except PartNotFound:
        raise not_found() from None
    content_type, inline = served_as(extracted.content_type, want_inline=query.inline)
    headers = protective_headers(content_type, inline=inline) | {
        "Content-Disposition": content_disposition(attachment.filename, inline)
    }
    charset = header_charset(extracted.charset) if content_type.startswith("text/") else None
    return web.Response(
        body=extracted.data, content_type=content_type, charset=charset, headers=headers
    )


async def zip_all(request: web.Request, account: Account) -> web.StreamResponse:
    message = await own_message(request, account)
    if not message.attachments:
        raise not_found()
    raw = await request.app[BLOBS].get(message.blob_id)
    try:
        archive = zip_attachments(raw, message.attachments)
    except PartNotFound:  # the parse and the bytes disagree: nothing sensible to send
        raise not_found() from None
    headers = protective_headers("application/zip", inline=False) | {
        "Content-Disposition": content_disposition(f"{message.id}-attachments.zip")
    }
    return web.Response(body=archive, content_type="application/zip", headers=headers)
