"""Every route of the gateway, in one table (split by concern into the modules beside)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint
from services.gateway.routes.automation import AUTOMATION
from services.gateway.routes.basics import BASICS, META
from services.gateway.routes.compose import COMPOSE
from services.gateway.routes.filters import FILTERS
from services.gateway.routes.folders import FOLDERS
from services.gateway.routes.messages import MESSAGES
from services.gateway.routes.organise import ORGANISE
from services.gateway.routes.search import SEARCH
from services.gateway.routes.senders import SENDERS

ENDPOINTS: tuple[Endpoint, ...] = (
    BASICS
    + SEARCH
    + FOLDERS
    + MESSAGES
    + ORGANISE
    + SENDERS
    + FILTERS
    + AUTOMATION
    + COMPOSE
    + META
)

__all__ = ["API", "ENDPOINTS"]
