"""Sending, drafts and templates over HTTP (F1, F2, F34)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_json
from services.gateway.context import BLOBS
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.saved import composition_in, own_saved, save, saved_message
from services.gateway.schemas.compose import CompositionIn, SendRequest, SentOut
from services.gateway.sending import send, send_once
from shared.model import Account, FolderRole


async def send_message(request: web.Request, account: Account) -> web.StreamResponse:
    """Send a composition; with `draft_id`, the draft it was resumed from leaves Drafts."""
    body = await read_json(request, SendRequest)

    async def work(event_id: str) -> SentOut:
        draft = None
        if body.draft_id is not None:  # gone after a first send: looked up only to send
            draft = await own_saved(request, account, FolderRole.DRAFTS, body.draft_id)
        composition = CompositionIn.model_validate(body.model_dump(exclude={"draft_id"}))
        return await send(request, account, composition, event_id, draft=draft)

    return await send_once(request, account, body, work)


async def create_draft(request: web.Request, account: Account) -> web.StreamResponse:
    body = await read_json(request, CompositionIn)
    return json_response(await save(request, account, body, FolderRole.DRAFTS), status=201)


async def create_template(request: web.Request, account: Account) -> web.StreamResponse:
    body = await read_json(request, CompositionIn)
    return json_response(await save(request, account, body, FolderRole.TEMPLATES), status=201)


async def get_draft(request: web.Request, account: Account) -> web.StreamResponse:
    return await _get(request, account, FolderRole.DRAFTS)


async def get_template(request: web.Request, account: Account) -> web.StreamResponse:
    return await _get(request, account, FolderRole.TEMPLATES)


async def update_draft(request: web.Request, account: Account) -> web.StreamResponse:
    """Save a new version: it gets a new id (as an IMAP client's APPEND would) and the
    previous version goes."""
    return await _update(request, account, FolderRole.DRAFTS)


async def update_template(request: web.Request, account: Account) -> web.StreamResponse:
    return await _update(request, account, FolderRole.TEMPLATES)


async def send_draft(request: web.Request, account: Account) -> web.StreamResponse:
    """Send a draft as it was saved; it leaves Drafts."""

    async def work(event_id: str) -> SentOut:
        draft = await own_saved(request, account, FolderRole.DRAFTS)
        raw = await request.app[BLOBS].get(draft.blob_id)
        saved = await saved_message(mailbox_of(request), account, draft, raw)
        composition = composition_in(saved)
        return await send(request, account, composition, event_id, draft=draft)

    return await send_once(request, account, None, work)


async def _get(request: web.Request, account: Account, role: FolderRole) -> web.StreamResponse:
    message = await own_saved(request, account, role)
    raw = await request.app[BLOBS].get(message.blob_id)
    return json_response(await saved_message(mailbox_of(request), account, message, raw))


async def _update(request: web.Request, account: Account, role: FolderRole) -> web.StreamResponse:
    previous = await own_saved(request, account, role)
    body = await read_json(request, CompositionIn)
    return json_response(await save(request, account, body, role, replaces=previous))
