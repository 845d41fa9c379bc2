"""`Leases` in a JetStream key-value bucket: a lease is a key created only if absent
(`create`), renewed by its holder every third of the bucket's TTL with a write that
names the revision it last wrote, and deleted on release. A holder that dies stops
renewing and its key expires with the TTL (RFC 1939 §8 wants the maildrop lock given
up when a session ends without QUIT, and a crashed replica ends its sessions).

Every lease is also held in this process first (`MemoryLeases`): two sessions on one
replica never race through NATS. While NATS does not answer, that local lease is all
there is (with a warning in the log): sessions on other replicas are then not kept
out, a looser guarantee for an outage rather than no POP3 at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from shared.ports.leases import Lease, MemoryLease, MemoryLeases
from shared.runtime.kv import Bucket, BucketSpec, BucketUnavailable, kv_key, noop, read

log = logging.getLogger(__name__)

_WRONG_LAST = (10071, 10164)  # JetStream's "wrong last sequence" error codes


class KvLeases:
    def __init__(
        self,
        jetstream: Callable[[], JetStreamContext],
        *,
        bucket: str,
        ttl: float,
        what: str,
        replicas: int = 1,
    ) -> None:
        self._bucket = Bucket(
            BucketSpec(bucket, ttl, f"{what} (Bureau)"),
            jetstream,
            replicas=replicas,
            fallback=f"holding {what} in this process only",
        )
        self._ttl = ttl
        self._holder = f"{socket.gethostname()}:{os.getpid()}"
        self._local = MemoryLeases()

    async def prepare(self) -> None:
        with contextlib.suppress(BucketUnavailable):
            await self._bucket.run(noop)

    async def acquire(self, name: str) -> Lease | None:
        local = self._local.take(name)
        if local is None:
            return None
        key, value = kv_key(name), f"{self._holder}:{uuid.uuid4().hex}".encode()

        async def create(kv: KeyValue) -> int | None:
            try:
                return await kv.create(key, value)
            except nats.js.errors.KeyWrongLastSequenceError:
                return None  # held elsewhere

        try:
            revision = await self._bucket.run(create)
        except BucketUnavailable:
            return local
        if revision is None:
            await local.release()
            return None
        return KvLease(self._bucket, local, key, value, revision, self._ttl)


class KvLease:
    def __init__(
        self,
        bucket: Bucket,
        local: MemoryLease,
        key: str,
        value: bytes,
        revision: int,
        ttl: float,
    ) -> None:
        self._bucket = bucket
        self._local = local
        self._key = key
        self._value = value
        self._revision = revision
        self._ttl = ttl
        self._lost = False
        self._released = False
        self._renewing = asyncio.create_task(self._renew_until_released())

    @property
    def lost(self) -> bool:
        return self._lost

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        self._renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._renewing
        await self._local.release()
        if not self._lost:
            with contextlib.suppress(BucketUnavailable):
                await self._bucket.run(self._delete)  # else it expires after the TTL

    async def _renew_until_released(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            try:
                revision = await self._bucket.run(self._renew)
            except BucketUnavailable:
                continue  # still held here; renewed when NATS answers, if still ours
            if revision is None:
                self._lost = True
                log.warning("lease in %s lost to another holder", self._bucket.spec.name)
                return
            self._revision = revision

    async def _renew(self, kv: KeyValue) -> int | None:
        """The new revision, or None if someone else holds the key now."""
        try:
            return await kv.update(self._key, self._value, last=self._revision)
        except nats.js.errors.KeyWrongLastSequenceError:
            pass
        current, revision = await read(kv, self._key)
        if current == self._value:
            return revision  # a write of ours landed though its answer did not
        if current is None:  # expired during an outage, and nobody took it: take it back
            try:
                return await kv.create(self._key, self._value)
            except nats.js.errors.KeyWrongLastSequenceError:
                return None
        return None

    async def _delete(self, kv: KeyValue) -> None:
        current, revision = await read(kv, self._key)
        if current != self._value:
            return  # not ours any more
        try:
            await kv.delete(self._key, last=revision)
        except nats.js.errors.APIError as exc:
            if exc.err_code not in _WRONG_LAST:
                raise
