"""Folders of the signed-in account: list, create, rename or move, delete (F35-F37)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_json
from services.gateway.handlers.lookup import mailbox_of, own_folder
from services.gateway.present import folder_out
from services.gateway.schemas import FolderCreate, FolderList, FolderUpdate
from shared.model import Account


async def list_folders(request: web.Request, account: Account) -> web.StreamResponse:
    folders = await mailbox_of(request).folders(account.id)
    return json_response(FolderList([folder_out(f) for f in folders]))


async def create_folder(request: web.Request, account: Account) -> web.StreamResponse:
    body = await read_json(request, FolderCreate)
    if body.parent_id is not None:
        await own_folder(request, account, body.parent_id)
    folder = await mailbox_of(request).create_folder(account.id, body.name, body.parent_id)
    return json_response(folder_out(folder), status=201)


async def update_folder(request: web.Request, account: Account) -> web.StreamResponse:
    """Move first, then rename: each step is checked by the store and refused on its own."""
    body = await read_json(request, FolderUpdate)
    mailbox = mailbox_of(request)
    folder = await own_folder(request, account, request.match_info["id"])
    if "parent_id" in body.model_fields_set and body.parent_id != folder.parent_id:
        if body.parent_id is not None:
            await own_folder(request, account, body.parent_id)
        folder = await mailbox.move_folder(account.id, folder.id, body.parent_id)
    if body.name is not None and body.name != folder.name:
        folder = await mailbox.rename_folder(account.id, folder.id, body.name)
    return json_response(folder_out(folder))


async def delete_folder(request: web.Request, account: Account) -> web.StreamResponse:
    """To Trash with its subfolders and messages; gone for good when Trash is emptied."""
    folder = await own_folder(request, account, request.match_info["id"])
    return json_response(folder_out(await mailbox_of(request).delete_folder(account.id, folder.id)))
