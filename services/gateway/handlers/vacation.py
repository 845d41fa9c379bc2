"""The vacation reply on its own (F24): what a settings page for it reads and writes."""

from __future__ import annotations

from aiohttp import web

from services.gateway.automation import check_vacation, save_preferences
from services.gateway.bodies import json_response, read_json
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.schemas.automation import VacationIn
from shared.model import Account, Vacation


async def get_vacation(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response((await mailbox_of(request).preferences(account.id)).vacation)


async def put_vacation(request: web.Request, account: Account) -> web.StreamResponse:
    """Replace the vacation settings (fields left out take their defaults); switching it
    on again makes every sender get a reply afresh."""
    body = await read_json(request, VacationIn)
    vacation = Vacation.model_validate(body.model_dump())
    check_vacation(vacation)
    mailbox = mailbox_of(request)
    current = await mailbox.preferences(account.id)
    new = current.model_copy(update={"vacation": vacation})
    saved = await save_preferences(mailbox, account, current, new)
    return json_response(saved.vacation)
