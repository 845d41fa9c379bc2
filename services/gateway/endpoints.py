"""Routes declared as data: the app registers them and the OpenAPI document describes them,
from the same list, so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

from services.gateway.context import AUTH
from shared.model import Account

API = "/api/v1"

PublicHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AccountHandler = Callable[[web.Request, Account], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: PublicHandler
    summary: str
    response: type[BaseModel] | None  # None: a body described by `content_type` alone
    content_type: str = "application/json"
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    auth: bool = False
    errors: tuple[int, ...] = ()  # besides those implied by auth, request and query
    tag: str = "mail"
    operation_id: str = ""
    status: int = 200  # of the success answer; 204 has no body
    files_field: str | None = None  # a multipart/form-data body of files in this field
    idempotent: bool = False  # takes an Idempotency-Key header (see sending.py)
    json_alternative: type[BaseModel] | None = None  # a query option asks for it as JSON


def public(
    method: str,
    path: str,
    handler: PublicHandler,
    summary: str,
    response: type[BaseModel] | None,
    *,
    content_type: str = "application/json",
    request: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    tag: str = "meta",
) -> Endpoint:
    """An endpoint anyone may call."""
    return Endpoint(
        method,
        path,
        handler,
        summary,
        response,
        content_type=content_type,
        request=request,
        errors=errors,
        tag=tag,
        operation_id=handler.__name__,
    )


def private(
    method: str,
    path: str,
    handler: AccountHandler,
    summary: str,
    response: type[BaseModel] | None,
    *,
    content_type: str = "application/json",
    request: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    tag: str = "mail",
    status: int = 200,
    files_field: str | None = None,
    idempotent: bool = False,
    json_alternative: type[BaseModel] | None = None,
) -> Endpoint:
    """An endpoint for a signed-in account: the handler also gets the caller's `Account`."""

    async def authenticated(request: web.Request) -> web.StreamResponse:
        account = await request.app[AUTH].authenticate(request)
        return await handler(request, account)

    return Endpoint(
        method,
        path,
        authenticated,
        summary,
        response,
        content_type=content_type,
        request=request,
        query=query,
        auth=True,
        errors=errors,
        tag=tag,
        operation_id=handler.__name__,
        status=status,
        files_field=files_field,
        idempotent=idempotent,
        json_alternative=json_alternative,
    )
