"""`POST /api/v1/session`: exchange address and password for a bearer token."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from services.gateway.auth import client_of
from services.gateway.bodies import json_response, read_json
from services.gateway.context import AUTH
from services.gateway.schemas import LoginRequest, SessionToken


async def create_session(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, LoginRequest)
    auth = request.app[AUTH]
    account = await auth.login(body.address, body.password.get_secret_value(), client_of(request))
    token, expires = auth.tokens.issue(account)
    return json_response(SessionToken(token=token, expires_at=datetime.fromtimestamp(expires, UTC)))
