"""Every route of the gateway, in one table."""

from __future__ import annotations

from services.gateway.endpoints import Endpoint, private, public
from services.gateway.handlers import folders, messages, meta, search, session
from services.gateway.schemas import (
    FolderList,
    Health,
    LoginRequest,
    MessageDetail,
    MessagePage,
    PageQuery,
    SearchPage,
    SearchQuery,
    SessionToken,
)

API = "/api/v1"

ENDPOINTS: tuple[Endpoint, ...] = (
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
    private(
        "GET",
        f"{API}/folders",
        folders.list_folders,
        "Folders with their message counts",
        FolderList,
    ),
    private(
        "GET",
        f"{API}/folders/{{id}}/messages",
        folders.folder_messages,
        "Messages of a folder, newest first",
        MessagePage,
        query=PageQuery,
        errors=(404,),
    ),
    private(
        "GET",
        f"{API}/messages/{{id}}",
        messages.get_message,
        "A message: headers, text, sanitised HTML, attachments",
        MessageDetail,
        errors=(404,),
    ),
    private(
        "GET",
        f"{API}/messages/{{id}}/raw",
        messages.get_raw_message,
        "The original message bytes",
        None,
        content_type="message/rfc822",
        errors=(404,),
    ),
    private(
        "GET", f"{API}/search", search.search, "Full-text search", SearchPage, query=SearchQuery
    ),
    public("GET", f"{API}/openapi.json", meta.openapi, "This document", None),
    public("GET", "/healthz", meta.healthz, "Liveness", Health),
    public("GET", "/readyz", meta.readyz, "Readiness: 200 while serving", Health, errors=(503,)),
)
