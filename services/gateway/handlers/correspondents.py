"""`GET /correspondents/{address}/messages`: all mail received from and sent to someone (F33)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.context import INDEX
from services.gateway.errors import ApiError
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.schemas import CorrespondentQuery
from services.gateway.searches import run_search
from shared.mail.addresses import InvalidAddress, normalize
from shared.mail.query import Node, Or, Phrase, TextField
from shared.model import Account

# Received: the address is the sender; sent: it is among the recipients.
_FIELDS = (TextField.FROM, TextField.TO, TextField.CC)


async def correspondent_messages(request: web.Request, account: Account) -> web.StreamResponse:
    """Every folder is searched, Sent included; newest first unless asked otherwise."""
    results = read_query(request, CorrespondentQuery)
    query = correspondent_query(request.match_info["address"])
    folders = await mailbox_of(request).folders(account.id)
    return json_response(await run_search(request.app[INDEX], account.id, query, results, folders))


def correspondent_query(address: str) -> Node:
    """From, To or Cc holds the address; 400 for something that is not one."""
    try:
        normal = normalize(address)
    except InvalidAddress:
        raise ApiError(400, "invalid_address", "not an e-mail address") from None
    return Or(tuple(Phrase(normal, field) for field in _FIELDS))
