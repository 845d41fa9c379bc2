"""Signatures inserted on demand, at the end or at the cursor (F21)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response, read_json
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.schemas import SignatureOut, SignatureRequest
from services.gateway.senders import sending_identity, signatures
from shared.mail.compose.signature import insert_signature
from shared.model import Account


async def compose_signature(request: web.Request, account: Account) -> web.StreamResponse:
    """The bodies given with the identity's signature inserted: the text one at `position`
    (or at the end), the HTML one at the end; a body not given stays null. An identity
    with only one kind of signature gets it converted for the other body."""
    body = await read_json(request, SignatureRequest)
    identity = await sending_identity(mailbox_of(request), account, body.identity_id)
    text_signature, html_signature = signatures(identity)
    text = html = None
    if body.text is not None:
        text = insert_signature(body.text, text_signature, position=body.position)
    if body.html is not None:
        html = insert_signature(body.html, html_signature, html=True)
    return json_response(SignatureOut(text=text, html=html))
