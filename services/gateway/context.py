"""Application keys under which `create_app` stores the gateway's dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from services.gateway.auth import Authenticator
from shared.ports import BlobStore, EventPublisher, SearchIndex
from shared.ports.uses import GatewayMailbox

MAILBOX = web.AppKey("mailbox", GatewayMailbox)
INDEX = web.AppKey("index", SearchIndex)
BLOBS = web.AppKey("blobs", BlobStore)
PUBLISHER = web.AppKey("publisher", EventPublisher)  # outbound.request for mail sent
AUTH = web.AppKey("auth", Authenticator)
OPENAPI = web.AppKey("openapi", bytes)  # the rendered document, built once


@dataclass
class Readiness:
    """Mutable after the app is frozen: set by the startup and shutdown signals."""

    status: Literal["ok", "starting", "stopping"] = "starting"


READINESS = web.AppKey("readiness", Readiness)
