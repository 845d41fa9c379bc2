"""Chooses and opens the adapters behind each port from the settings (the composition root).

MongoDB when `BUREAU_MONGODB_URI` is set, else SQLite and files under the data directory;
OpenSearch when `BUREAU_OPENSEARCH_URL` is set, else SQLite FTS5. Login records and
leases live in NATS key-value buckets, on the bus connection (`broker`), in either mode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import nats.errors
from faststream.exceptions import IncorrectState
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from shared.ports.blobs import BlobStore
from shared.ports.index import SearchIndex
from shared.ports.mailbox import MailboxStore
from shared.runtime.kv.leases import KvLeases
from shared.runtime.kv.logins import KvLoginRecords
from shared.settings import CommonSettings


class Adapters:
    """Opens each adapter on first use and closes them all at the end."""

    def __init__(self, settings: CommonSettings, broker: NatsBroker | None = None) -> None:
        self._settings = settings
        self._broker = broker
        self._stack = AsyncExitStack()
        self._mailbox: MailboxStore | None = None
        self._blobs: BlobStore | None = None
        self._index: SearchIndex | None = None
        self._logins: KvLoginRecords | None = None
        self._leases: dict[str, KvLeases] = {}

    async def mailbox(self) -> MailboxStore:
        if self._mailbox is None:
            s = self._settings
            if s.mongodb_uri is not None:
                from services.store.adapters.mongo import MongoMailboxStore

                mailbox: MailboxStore = await MongoMailboxStore.open(
                    s.mongodb_uri.get_secret_value(), s.mongodb_database, limits=s.tag_limits
                )
            else:
                from services.store.adapters.sqlite import SqliteMailboxStore

                mailbox = await SqliteMailboxStore.open(s.mailbox_db, limits=s.tag_limits)
            self._stack.push_async_callback(mailbox.close)
            self._mailbox = mailbox
        return self._mailbox

    async def blobs(self) -> BlobStore:
        if self._blobs is None:
            s = self._settings
            if s.mongodb_uri is not None:
                from services.store.adapters.gridfs_blobs import GridFsBlobStore

                blobs: BlobStore = await GridFsBlobStore.open(
                    s.mongodb_uri.get_secret_value(), s.mongodb_database
                )
            else:
                from services.store.adapters.fs_blobs import FsBlobStore

                blobs = FsBlobStore(s.blob_dir)
            self._stack.push_async_callback(blobs.close)
            self._blobs = blobs
        return self._blobs

    async def index(self) -> SearchIndex:
        if self._index is None:
            s = self._settings
            if s.opensearch_url is not None:
                from services.search.adapters.opensearch import OpenSearchIndex

                index: SearchIndex = await OpenSearchIndex.open(
                    s.opensearch_url.get_secret_value(), s.opensearch_index_prefix
                )
            else:
                from services.search.adapters.fts5 import Fts5Index

                index = await Fts5Index.open(s.index_db)
            self._stack.push_async_callback(index.close)
            self._index = index
        return self._index

    def login_records(self) -> KvLoginRecords:
        """Failed logins and known clients, shared by every replica of every service
        that checks passwords (buckets opened once the broker is connected)."""
        if self._logins is None:
            s = self._settings
            self._logins = KvLoginRecords(
                self._jetstream,
                window=s.login_window,
                known_for=s.login_known_client_ttl,
                replicas=s.stream_replicas,
            )
        return self._logins

    def leases(self, bucket: str, *, ttl: float, what: str) -> KvLeases:
        """Names held by one holder at a time across replicas, in `bucket`."""
        if bucket not in self._leases:
            self._leases[bucket] = KvLeases(
                self._jetstream,
                bucket=bucket,
                ttl=ttl,
                what=what,
                replicas=self._settings.stream_replicas,
            )
        return self._leases[bucket]

    def _jetstream(self) -> JetStreamContext:
        try:
            client = self._broker.connection if self._broker is not None else None
        except IncorrectState:  # not connected yet
            client = None
        if client is None:
            raise nats.errors.ConnectionClosedError  # the KV adapters fall back meanwhile
        return client.jetstream()

    def pings(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """The `ping` of each adapter opened so far — those the process's services were
        given, and only those — for readiness."""
        pings: dict[str, Callable[[], Awaitable[None]]] = {}
        if self._mailbox is not None:
            pings["mailbox"] = self._mailbox.ping
        if self._blobs is not None:
            pings["blobs"] = self._blobs.ping
        if self._index is not None:
            pings["index"] = self._index.ping
        return pings

    async def close(self) -> None:
        await self._stack.aclose()
