"""`GET /folders/{id}/threads`: a folder's messages as conversations (F20)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.handlers.lookup import mailbox_of, own_folder
from services.gateway.paging import window
from services.gateway.present import message_item
from services.gateway.schemas import PageQuery, ThreadOut, ThreadPage
from shared.mail.threads import thread_messages
from shared.model import Account


async def folder_threads(request: web.Request, account: Account) -> web.StreamResponse:
    """Threads newest activity first, each with its messages oldest first (newest at the
    bottom, as the thread view shows them); paged like the message list, by thread."""
    query = read_query(request, PageQuery)
    mailbox = mailbox_of(request)
    folder = await own_folder(request, account, request.match_info["id"])
    keys = await mailbox.thread_keys(account.id, folder.id)
    threads = thread_messages(keys)
    win = window(query, await mailbox.preferences(account.id), len(threads))
    shown = win.slice(threads)
    # One listing of the folder gives every summary; threading already read the whole folder.
    listing = await mailbox.messages(account.id, folder.id, offset=0, limit=max(len(keys), 1))
    summaries = {m.id: m for m in listing.items if m.account_id == account.id}
    items = [
        ThreadOut(
            id=thread.id,
            subject=thread.subject,
            count=thread.count,
            unread=thread.unread,
            last_date=thread.last_date,
            messages=[message_item(summaries[i]) for i in thread.message_ids if i in summaries],
        )
        for thread in shown
    ]
    return json_response(ThreadPage.model_validate({"items": items, **win.described(len(threads))}))
