"""Reading requests into pydantic models and writing models as JSON responses."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.gateway.errors import ApiError

M = TypeVar("M", bound=BaseModel)

JSON = "application/json"
# Request bodies nest a few levels (a filter's conditions in a list in an object); the
# limit is checked before parsing, so no body can make the decoder recurse deeply.
MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(octet for octet in range(256) if octet not in b"[]{}")
_STEP = [1 if octet in b"[{" else -1 for octet in range(256)]


async def read_json(request: web.Request, model: type[M]) -> M:
    """The body as `model`; 415 unless JSON, 400 for bad JSON, a non-object or bad fields.

    Demanding `application/json` keeps cross-site HTML forms (which cannot send it without
    a CORS preflight) from posting to the API.
    """
    if request.content_type != JSON:
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    raw = await request.read()  # aiohttp raises 413 past the app's client_max_size
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise ApiError(400, "invalid_json", f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(raw)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    return _validate(model, data, "invalid_field")


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in `raw`, brackets inside strings not counted; it
    need not be valid JSON (the decoder says what else is wrong). Linear, and only
    bytes-level work for the text between brackets."""
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")  # escapes go left to right
    brackets = _STRING.sub(b"", unescaped).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def read_query(request: web.Request, model: type[M]) -> M:
    """The query string as `model`; 400 naming the parameter when one is bad."""
    return _validate(model, {key: request.query[key] for key in request.query}, "invalid_query")


def json_response(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(status=status, text=model.model_dump_json(), content_type=JSON)


def _validate(model: type[M], data: dict[str, object], code: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, code, describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """`field: problem; …` without echoing the input (it may be a password)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)
