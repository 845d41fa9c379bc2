"""The gateway's metrics: HTTP requests by route template (never the raw path, so the
label set stays the size of the route table), IMAP and POP3 sessions and command
latencies, logins by protocol, and the latency of the searches it asks of the index."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Middleware

from shared.mail.query import MAX_RESULTS, Node
from shared.ports.index import IndexDocument, SearchIndex, SearchResults, SearchSort
from shared.runtime.login import LoginMetrics
from shared.runtime.metrics import Histogram, Registry, bounded

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a request no route took (a 404 or 405)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class GatewayMetrics:
    def __init__(self, registry: Registry) -> None:
        self.requests = registry.counter(
            "bureau_http_requests_total",
            "HTTP API requests by route template, method and status",
            ("route", "method", "status"),
            max_series=3000,
        )
        self.request_seconds = registry.histogram(
            "bureau_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template",
            ("route", "method"),
            max_series=1000,
        )
        self.sessions = registry.gauge(
            "bureau_mail_sessions_open", "IMAP and POP3 connections open", ("protocol",)
        )
        self.commands = registry.histogram(
            "bureau_mail_command_duration_seconds",
            "Time IMAP and POP3 commands took, by protocol and command (IDLE lasts long)",
            ("protocol", "command"),
        )
        self.search_seconds = registry.histogram(
            "bureau_search_query_duration_seconds",
            "Time the index took to answer a search the gateway asked",
        )
        self.logins = LoginMetrics(registry)
        self.sessions.declare(protocol=("imap", "pop3"))
        for protocol in ("http", "imap", "pop3"):
            self.logins.declare(protocol)

    @contextmanager
    def command(self, protocol: str, name: str) -> Iterator[None]:
        """Time one command; `name` must come from the protocol's own table of commands."""
        with self.commands.labels(protocol=protocol, command=name).time():
            yield

    def middleware(self) -> Middleware:
        """An aiohttp middleware counting every request; put it outermost, so that it sees
        the status the error middleware answered."""

        @web.middleware
        async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
            start = time.monotonic()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            except asyncio.CancelledError:
                status = 499  # the client went away before the answer (nginx's code)
                raise
            finally:
                route = _route(request)
                method = bounded(request.method, METHODS)
                self.requests.inc(route=route, method=method, status=str(status))
                self.request_seconds.observe(time.monotonic() - start, route=route, method=method)

        return measure


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


class TimedIndex:
    """The gateway's `SearchIndex`: the one it was given, with searches timed."""

    def __init__(self, index: SearchIndex, histogram: Histogram) -> None:
        self._index = index
        self._seconds = histogram.labels()

    async def search(
        self,
        account_id: str,
        query: Node,
        *,
        limit: int = MAX_RESULTS,
        offset: int = 0,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> SearchResults:
        with self._seconds.time():
            return await self._index.search(
                account_id, query, limit=limit, offset=offset, sort=sort
            )

    async def upsert(self, doc: IndexDocument) -> None:
        await self._index.upsert(doc)

    async def update_state(
        self,
        account_id: str,
        message_id: str,
        *,
        folder_id: str,
        unread: bool,
        flagged: bool,
        tags: list[str],
        modseq: int,
    ) -> bool:
        return await self._index.update_state(
            account_id, message_id, folder_id=folder_id, unread=unread, flagged=flagged,
            tags=tags, modseq=modseq,
        )  # fmt: skip

    async def delete(self, account_id: str, message_id: str, *, modseq: int) -> None:
        await self._index.delete(account_id, message_id, modseq=modseq)

    async def prune_tombstones(self, before: datetime) -> int:
        return await self._index.prune_tombstones(before)

    async def clear(self, account_id: str) -> None:
        await self._index.clear(account_id)

    async def count(self, account_id: str) -> int:
        return await self._index.count(account_id)

    async def ping(self) -> None:
        await self._index.ping()

    async def close(self) -> None:
        await self._index.close()
