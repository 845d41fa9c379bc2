"""Finding the account's own things named in a request; anything else is a plain 404."""

from __future__ import annotations

from aiohttp import web

from services.gateway.context import MAILBOX
from services.gateway.errors import not_found
from shared.model import Account, Folder, Selection, StoredMessage, Tag
from shared.ports.uses import GatewayMailbox


def mailbox_of(request: web.Request) -> GatewayMailbox:
    return request.app[MAILBOX]


async def own_message(request: web.Request, account: Account) -> StoredMessage:
    """The message named in the path; another account's looks exactly like a missing one."""
    message = await mailbox_of(request).message(account.id, request.match_info["id"])
    if message.account_id != account.id:
        raise not_found()
    return message


async def own_message_id(request: web.Request, account: Account) -> str:
    """The id in the path, once the account is known to hold that message (cheaper than
    loading it)."""
    message_id = request.match_info["id"]
    if await mailbox_of(request).select(account.id, Selection.of(message_id)) != [message_id]:
        raise not_found()
    return message_id


async def own_folder(request: web.Request, account: Account, folder_id: str) -> Folder:
    folder = await mailbox_of(request).folder(account.id, folder_id)
    if folder.account_id != account.id:
        raise not_found()
    return folder


async def own_tag(request: web.Request, account: Account, tag_id: str) -> Tag:
    for tag in await mailbox_of(request).tags(account.id):
        if tag.id == tag_id:
            return tag
    raise not_found()
