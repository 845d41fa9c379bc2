"""`create_app`: the gateway's aiohttp application, wired to the ports it is given."""

from __future__ import annotations

import json

from aiohttp import web

from services.gateway.auth import PROXIES, Authenticator
from services.gateway.context import (
    AUTH,
    BLOBS,
    INDEX,
    MAILBOX,
    OPENAPI,
    PUBLISHER,
    READINESS,
    Readiness,
)
from services.gateway.errors import error_middleware
from services.gateway.http_server import common_headers
from services.gateway.openapi import build_openapi
from services.gateway.routes import ENDPOINTS
from services.gateway.tokens import SessionTokens
from shared.ports import BlobStore, EventPublisher, SearchIndex
from shared.ports.uses import GatewayMailbox
from shared.runtime.clients import TrustedProxies
from shared.runtime.login import LoginMetrics
from shared.runtime.ratelimit import LoginThrottle

# Request bodies are small JSON documents (the largest: a 10,000-character comment, or a
# selection of a few thousand message ids); aiohttp answers 413 past this.
MAX_BODY = 256 * 1024


def create_app(
    *,
    mailbox: GatewayMailbox,
    index: SearchIndex,
    blobs: BlobStore,
    publisher: EventPublisher,
    secret: bytes,
    token_ttl: int = 86400,
    login_throttle: LoginThrottle | None = None,
    trusted_proxies: TrustedProxies | None = None,
    login_metrics: LoginMetrics | None = None,
) -> web.Application:
    """The HTTP API under `/api/v1`, plus `/healthz` and `/readyz`.

    `secret` signs session tokens: give every replica the same one. The adapters stay
    owned by the caller, which opens and closes them. `login_throttle` is the one the
    mail front ends share (without it, one of its own in memory); `trusted_proxies` may
    name the client in `X-Forwarded-For`.
    """
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY)
    app[MAILBOX] = mailbox
    app[INDEX] = index
    app[BLOBS] = blobs
    app[PUBLISHER] = publisher
    app[AUTH] = Authenticator(
        mailbox, SessionTokens(secret, token_ttl), login_throttle, login_metrics
    )
    app[PROXIES] = trusted_proxies or TrustedProxies()
    app[OPENAPI] = json.dumps(build_openapi(ENDPOINTS)).encode()
    app[READINESS] = Readiness()
    for endpoint in ENDPOINTS:
        if endpoint.method == "GET":  # HEAD too (RFC 9110 §9.3.2), as aiohttp does for it
            app.router.add_get(endpoint.path, endpoint.handler, allow_head=True)
        else:
            app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)
    app.on_startup.append(_serving)
    app.on_shutdown.append(_stopping)
    app.on_response_prepare.append(_common_headers)
    return app


async def _serving(app: web.Application) -> None:
    await app[AUTH].prepare()
    app[READINESS].status = "ok"


async def _stopping(app: web.Application) -> None:
    app[READINESS].status = "stopping"


async def _common_headers(request: web.Request, response: web.StreamResponse) -> None:
    common_headers(response)
