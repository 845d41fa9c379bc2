"""Changing one message: flags and folder, delete and restore, its tags and comment."""

from __future__ import annotations

from aiohttp import web

from services.gateway.actions import ACTIONS, Target
from services.gateway.bodies import json_response, read_json, read_query
from services.gateway.handlers.lookup import mailbox_of, own_folder, own_message_id, own_tag
from services.gateway.present import message_item
from services.gateway.schemas import (
    Action,
    ActionResult,
    CommentIn,
    CommentOut,
    DeleteQuery,
    MessageUpdate,
)
from shared.model import Account, FlagChange, Selection


async def update_message(request: web.Request, account: Account) -> web.StreamResponse:
    """Mark read or unread, flag or unflag, move to a folder; answers the message as listed."""
    body = await read_json(request, MessageUpdate)
    mailbox = mailbox_of(request)
    message_id = await own_message_id(request, account)
    selection = Selection.of(message_id)
    if body.folder_id is not None:
        await own_folder(request, account, body.folder_id)
    if body.unread is not None or body.flagged is not None:
        change = FlagChange(unread=body.unread, flagged=body.flagged)
        await mailbox.set_flags(account.id, selection, change)
    if body.folder_id is not None:
        await mailbox.move_messages(account.id, selection, body.folder_id)
    return json_response(message_item(await mailbox.message(account.id, message_id)))


async def delete_message(request: web.Request, account: Account) -> web.StreamResponse:
    """To Trash (for good if already there), or for good at once with `permanent=true`."""
    query = read_query(request, DeleteQuery)
    message_id = await own_message_id(request, account)
    action: Action = "destroy" if query.permanent else "delete"
    return await _single(request, account, action, message_id)


async def restore_message(request: web.Request, account: Account) -> web.StreamResponse:
    """Out of Trash, back to the folder it came from (Inbox if that one is gone)."""
    return await _single(request, account, "restore", await own_message_id(request, account))


async def tag_message(request: web.Request, account: Account) -> web.StreamResponse:
    return await _tagging(request, account, "tag")


async def untag_message(request: web.Request, account: Account) -> web.StreamResponse:
    return await _tagging(request, account, "untag")


async def put_comment(request: web.Request, account: Account) -> web.StreamResponse:
    body = await read_json(request, CommentIn)
    message_id = await own_message_id(request, account)
    comment = body.comment or None
    await mailbox_of(request).set_comment(account.id, message_id, comment)
    return json_response(CommentOut(id=message_id, comment=comment))


async def delete_comment(request: web.Request, account: Account) -> web.StreamResponse:
    message_id = await own_message_id(request, account)
    await mailbox_of(request).set_comment(account.id, message_id, None)
    return web.Response(status=204)


async def _tagging(request: web.Request, account: Account, action: Action) -> web.StreamResponse:
    message_id = await own_message_id(request, account)
    tag = await own_tag(request, account, request.match_info["tag_id"])
    mailbox = mailbox_of(request)
    await ACTIONS[action](mailbox, account.id, Selection.of(message_id), Target(tag_id=tag.id))
    return json_response(message_item(await mailbox.message(account.id, message_id)))


async def _single(
    request: web.Request, account: Account, action: Action, message_id: str
) -> web.StreamResponse:
    affected = await ACTIONS[action](
        mailbox_of(request), account.id, Selection.of(message_id), Target()
    )
    return json_response(ActionResult(action=action, affected=affected, count=len(affected)))
