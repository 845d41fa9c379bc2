"""The user's personal profile and its vCard (F22)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.attachments import content_disposition
from services.gateway.bodies import json_response, read_json
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.schemas import ProfileIn
from shared.mail.compose.vcard import VCARD_CONTENT_TYPE, vcard, vcard_filename
from shared.model import Account, Profile


async def get_profile(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response(await mailbox_of(request).profile(account.id))


async def put_profile(request: web.Request, account: Account) -> web.StreamResponse:
    """The whole profile replaced by the body."""
    body = await read_json(request, ProfileIn)
    profile = Profile.model_validate(body.model_dump())
    return json_response(await mailbox_of(request).set_profile(account.id, profile))


async def get_vcard(request: web.Request, account: Account) -> web.StreamResponse:
    """The user's card to attach or hand out: every field but the private comments and tags."""
    profile = await mailbox_of(request).profile(account.id)
    headers = {"Content-Disposition": content_disposition(vcard_filename(profile, account.address))}
    return web.Response(
        body=vcard(profile, account.address),
        content_type=VCARD_CONTENT_TYPE,
        charset="utf-8",
        headers=headers,
    )
