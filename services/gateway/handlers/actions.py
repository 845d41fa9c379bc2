"""`POST /messages/actions` on a selection, and emptying the Trash (F38, F39, F50)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.actions import ACTIONS, Target
from services.gateway.bodies import json_response, read_json
from services.gateway.handlers.lookup import mailbox_of, own_folder, own_tag
from services.gateway.schemas import ActionRequest, ActionResult, TrashEmptied
from shared.model import Account


async def message_actions(request: web.Request, account: Account) -> web.StreamResponse:
    """One action on some messages, a folder, or a folder's messages before a date.

    Message ids the account does not hold are left out of `affected`; a folder or tag that
    is not the account's is a 404, like everywhere else.
    """
    body = await read_json(request, ActionRequest)
    selection = body.selection.plain()
    for folder_id in (selection.folder_id, body.folder_id):
        if folder_id is not None:
            await own_folder(request, account, folder_id)
    if body.tag_id is not None:
        await own_tag(request, account, body.tag_id)
    target = Target(folder_id=body.folder_id, tag_id=body.tag_id)
    affected = await ACTIONS[body.action](mailbox_of(request), account.id, selection, target)
    return json_response(ActionResult(action=body.action, affected=affected, count=len(affected)))


async def empty_trash(request: web.Request, account: Account) -> web.StreamResponse:
    """Remove for good every message and folder in Trash (irreversible)."""
    removal = await mailbox_of(request).empty_trash(account.id)
    return json_response(
        TrashEmptied(
            removed_messages=len(removal.message_ids),
            removed_folders=len(removal.folder_ids),
            freed_bytes=removal.freed_bytes,
        )
    )
