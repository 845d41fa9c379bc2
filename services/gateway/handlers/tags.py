"""Tags of the signed-in account: list, create, recolour, delete (F50)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_json
from services.gateway.errors import ApiError
from services.gateway.handlers.lookup import mailbox_of, own_tag
from services.gateway.present import tag_out
from services.gateway.schemas import TagCreate, TagList, TagUpdate
from shared.model import Account


async def list_tags(request: web.Request, account: Account) -> web.StreamResponse:
    tags = await mailbox_of(request).tags(account.id)
    return json_response(TagList([tag_out(t) for t in tags]))


async def create_tag(request: web.Request, account: Account) -> web.StreamResponse:
    body = await read_json(request, TagCreate)
    tag = await mailbox_of(request).create_tag(account.id, body.name, body.color)
    return json_response(tag_out(tag), status=201)


async def update_tag(request: web.Request, account: Account) -> web.StreamResponse:
    """Only the colour changes: a tag's name is how searches and filters know it."""
    body = await read_json(request, TagUpdate)
    tag = await own_tag(request, account, request.match_info["id"])
    if "name" in body.model_fields_set:
        raise ApiError(422, "refused", "tags cannot be renamed")
    if body.color is not None and body.color != tag.color:
        tag = await mailbox_of(request).set_tag_color(account.id, tag.id, body.color)
    return json_response(tag_out(tag))


async def delete_tag(request: web.Request, account: Account) -> web.StreamResponse:
    """The tag goes, and comes off every message that carried it."""
    tag = await own_tag(request, account, request.match_info["id"])
    await mailbox_of(request).delete_tag(account.id, tag.id)
    return web.Response(status=204)
