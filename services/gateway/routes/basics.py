"""Sign-in, and the unauthenticated meta routes."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, public
from services.gateway.handlers import meta, session
from services.gateway.schemas import Health, LoginRequest, SessionToken

BASICS: tuple[Endpoint, ...] = (
    public(
        "POST",
        f"{API}/session",
        session.create_session,
        "Sign in: get a bearer token",
        SessionToken,
        request=LoginRequest,
        errors=(401, 429),
        tag="session",
    ),
)

META: tuple[Endpoint, ...] = (
    public("GET", f"{API}/openapi.json", meta.openapi, "This document", None),
    public("GET", "/healthz", meta.healthz, "Liveness", Health),
    public("GET", "/readyz", meta.readyz, "Readiness: 200 while serving", Health, errors=(503,)),
)
