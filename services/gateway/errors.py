"""Every error leaves the gateway as JSON `{"error": {"code", "message"}}`; one middleware."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from services.gateway.schemas import ErrorBody, ErrorResponse
from shared.ports import Conflict, LimitExceeded, NotFound, Refused
from shared.ports.errors import Busy

log = logging.getLogger("bureau.gateway")

# Codes for errors aiohttp raises itself (routing, body size, requests it cannot parse).
HTTP_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal",
}
# Headers of aiohttp's own HTTP errors worth keeping (405 names the allowed methods).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiError(Exception):
    """An error answer; raised by handlers and turned into JSON by `error_middleware`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        position: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.position = position  # where in a search query a syntax error is


def not_found() -> ApiError:
    """The one answer for missing ids and other accounts' ids alike."""
    return ApiError(404, "not_found", "no such resource")


def too_large(message: str) -> ApiError:
    """The one 413: a JSON body past the app's limit, files or a message past 50 MB."""
    return ApiError(413, "payload_too_large", message)


def error_response(error: ApiError) -> web.Response:
    body = ErrorResponse(
        error=ErrorBody(code=error.code, message=error.message, position=error.position)
    )
    return web.Response(
        status=error.status,
        text=body.model_dump_json(exclude_none=True),  # `position` only when there is one
        content_type="application/json",
        headers=error.headers,
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except NotFound:
        return error_response(not_found())
    except Conflict as exc:  # a name taken by a sibling folder or another tag
        return error_response(ApiError(409, "conflict", str(exc) or "the name is taken"))
    except LimitExceeded as exc:  # a bound of the mailbox (tags); nothing was changed
        return error_response(ApiError(422, "limit_exceeded", str(exc) or "limit exceeded"))
    except Refused as exc:  # a rule of the mailbox; the store's message says which
        return error_response(ApiError(422, "refused", str(exc) or "not allowed"))
    except Busy as exc:  # the account kept changing under this change; nothing was written
        log.warning("busy account on %s %s: %s", request.method, request.rel_url.path, exc)
        busy = ApiError(503, "busy", "the mailbox is busy: try again", {"Retry-After": "1"})
        return error_response(busy)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
        code = HTTP_CODES.get(exc.status, "error")
        return error_response(ApiError(exc.status, code, exc.reason, headers))
    except Exception:
        # The client gets a generic message; the log gets the route (no query) and the trace.
        log.exception("unhandled error on %s %s", request.method, request.rel_url.path)
        return error_response(ApiError(500, "internal", "internal server error"))
