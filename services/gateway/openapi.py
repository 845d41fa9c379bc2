"""The OpenAPI 3.1 document, generated from the endpoint table and the pydantic schemas."""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from services.gateway.endpoints import Endpoint
from services.gateway.schemas import ErrorResponse

_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")
_ERROR_HEADERS: dict[int, tuple[str, dict[str, str]]] = {
    401: ("WWW-Authenticate", {"type": "string"}),
    429: ("Retry-After", {"type": "integer", "description": "seconds"}),
}


_IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a key of the client's (e.g. a UUID): a retry with the same key and"
    " request gets the first answer and sends nothing; another request with it is 422"
    " idempotency_key_reused; keys last 24 hours",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def build_openapi(endpoints: Iterable[Endpoint], *, version: str = "1") -> dict[str, Any]:
    endpoints = tuple(endpoints)
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorResponse, "serialization")]
    for e in endpoints:
        for response in (e.response, e.json_alternative):
            if response is not None:
                models.append((response, "serialization"))
        for model in (e.request, e.query):  # a query's enums are referenced from components
            if model is not None:
                models.append((model, "validation"))
    _, definitions = models_json_schema(list(dict.fromkeys(models)), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(e)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bureau mail API", "version": version},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "token from POST /api/v1/session",
                },
                "basic": {"type": "http", "scheme": "basic", "description": "address and password"},
            },
        },
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _operation(e: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": e.operation_id, "summary": e.summary, "tags": [e.tag]}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(e.path)
    ]
    if e.query is not None:
        params += _query_parameters(e.query)
    if e.idempotent:
        params.append(_IDEMPOTENCY_KEY)
    if params:
        op["parameters"] = params
    if e.request is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(e.request)}},
        }
    if e.files_field is not None:
        files = {"type": "array", "items": {"type": "string", "format": "binary"}}
        op["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {e.files_field: files},
                        "required": [e.files_field],
                    }
                }
            },
        }
    op["security"] = [{"bearer": []}, {"basic": []}] if e.auth else []
    op["responses"] = {str(e.status): _success(e)} | {
        str(status): _error(status) for status in sorted(_error_statuses(e))
    }
    return op


def _error(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": _ref(ErrorResponse)}},
    }
    if status in _ERROR_HEADERS:
        name, schema = _ERROR_HEADERS[status]
        answer["headers"] = {name: {"schema": schema}}
    return answer


def _success(e: Endpoint) -> dict[str, Any]:
    if e.status == 204:
        return {"description": e.summary}
    if e.response is not None:
        schema: dict[str, Any] = _ref(e.response)
    elif e.content_type == "application/json":
        schema = {"type": "object"}
    elif "*" in e.content_type:  # a file served as its own type
        schema = {}
    else:
        schema = {"type": "string", "contentMediaType": e.content_type}
    content = {e.content_type: {"schema": schema}}
    if e.json_alternative is not None:
        content["application/json"] = {"schema": _ref(e.json_alternative)}
    return {"description": e.summary, "content": content}


def _error_statuses(e: Endpoint) -> set[int]:
    statuses = set(e.errors) | {500}
    if e.auth:
        statuses |= {401, 429}  # 429: HTTP Basic goes through the login throttle
    if e.request is not None or e.query is not None or e.idempotent:
        statuses.add(400)
    if e.request is not None:
        statuses |= {413, 415}
    return statuses


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation", ref_template=_REF)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in prop:
            param["description"] = prop["description"]
        param["schema"] = prop
        params.append(param)
    return params
