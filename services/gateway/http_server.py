"""The gateway's HTTP server: aiohttp's, with the answers it makes itself shaped like the API's.

A request aiohttp cannot parse (a request line or header over its limits, too many
headers, bytes that are not HTTP) never reaches the application or its middleware: aiohttp
answers it from its protocol layer, as text, and logs the parser's exception with a
traceback. Such requests are the client's mistake, so `ApiRequestHandler` answers them
with the JSON error every other answer has, logs one line without a traceback, and keeps
the traceback for what is a fault of the server (a 5xx).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

from services.gateway.errors import HTTP_CODES, ApiError, error_response

log = logging.getLogger("bureau.gateway")

SERVER = "Bureau"  # what the Server header says: no product versions to fingerprint


def common_headers(response: web.StreamResponse) -> None:
    """What every answer carries: API answers are per account (never cached by
    intermediaries), never sniffed as HTML, and leak no address through Referer."""
    response.headers["Server"] = SERVER
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


class ApiRequestHandler(web.RequestHandler):
    """aiohttp's protocol handler, with its own error answers in the API's form."""

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            log.error("HTTP request failed outside the application", exc_info=exc)
        else:  # the client's: a line, no traceback (and none of the request's bytes)
            log.info(
                "refused a malformed HTTP request from %s: %s",
                request.remote,
                type(exc).__name__ if exc is not None else status,
            )
        if request.writer.output_size > 0:  # an answer was started: nothing to add to it
            raise ConnectionError("the answer was already started")
        response = error_response(
            ApiError(status, HTTP_CODES.get(status, "error"), _reason(status, exc))
        )
        response.force_close()  # the stream cannot be trusted past a request it misread
        common_headers(response)
        return response


def _reason(status: int, exc: BaseException | None) -> str:
    if isinstance(exc, LineTooLong):
        return "the request line or a header is too long"
    if isinstance(exc, HttpProcessingError) and status < 500:
        return "the request is not valid HTTP"
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


class ApiServer(web.Server):
    """aiohttp's server (the protocol factory), making `ApiRequestHandler`s."""

    @classmethod
    def like(cls, server: web.Server) -> ApiServer:
        """The same server as `server`, but for the handlers it makes."""
        return cls(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **server._kwargs,
        )

    def __call__(self) -> web.RequestHandler:
        return ApiRequestHandler(self, loop=self._loop, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """`web.AppRunner` for the gateway's application, serving through `ApiServer`."""

    async def _make_server(self) -> web.Server:
        return ApiServer.like(await super()._make_server())
