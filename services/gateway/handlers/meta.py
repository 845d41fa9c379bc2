"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from services.gateway.bodies import json_response
from services.gateway.context import OPENAPI, READINESS
from services.gateway.errors import ApiError
from services.gateway.schemas import Health


async def healthz(request: web.Request) -> web.StreamResponse:
    """The process answers: that is all liveness means."""
    return json_response(Health(status="ok"))


async def readyz(request: web.Request) -> web.StreamResponse:
    """200 between startup and shutdown, 503 otherwise (so balancers drain us first)."""
    status = request.app[READINESS].status
    if status != "ok":
        raise ApiError(503, "not_ready", status)
    return json_response(Health(status="ok"))


async def openapi(request: web.Request) -> web.StreamResponse:
    return web.Response(body=request.app[OPENAPI], content_type="application/json")
