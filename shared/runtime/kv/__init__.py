"""JetStream key-value buckets shared by the replicas of the front ends (login records,
POP3 maildrop locks): declared idempotently like the streams, opened on first use, and
watched for outages so that their adapters can fall back to local state at once
instead of waiting on NATS for every login.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

T = TypeVar("T")

OP_TIMEOUT = 2.0  # seconds one operation (with its retries) may wait for NATS
RETRY_PAUSE = 5.0  # seconds an unanswering bucket is left alone before trying it again
DUPLICATE_WINDOW = 120.0  # JetStream's default, lowered to a TTL shorter than it
_STREAM_IN_USE = 10058  # "stream name already in use with a different configuration"

# What an unreachable NATS (or a bucket gone) looks like to a caller.
UNAVAILABLE: tuple[type[BaseException], ...] = (nats.errors.Error, OSError, TimeoutError)


class BucketUnavailable(Exception):
    """NATS did not answer for the bucket (now or very recently): use the fallback."""


@dataclass(frozen=True)
class BucketSpec:
    name: str
    ttl: float  # seconds an entry lives after its last write
    description: str


def kv_key(key: str) -> str:
    """A bucket key for any string: keys allow few characters (no '@', ':', spaces), and
    a digest keeps addresses out of the bucket."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


async def read(kv: KeyValue, name: str) -> tuple[bytes | None, int | None]:
    """The value and revision of a key; (None, None) when it is absent or deleted."""
    try:
        entry = await kv.get(name)
    except nats.js.errors.KeyNotFoundError:
        return None, None
    return entry.value, entry.revision


async def noop(kv: KeyValue) -> None:
    """An operation that only opens the bucket (at start)."""
    return None


async def open_bucket(js: JetStreamContext, spec: BucketSpec, replicas: int) -> KeyValue:
    """Create the bucket, or bring an existing one to this TTL and replica count."""
    config = KeyValueConfig(
        bucket=spec.name,
        description=spec.description,
        ttl=spec.ttl,
        history=1,
        replicas=replicas,
        storage=StorageType.FILE,
    )
    try:
        return await js.create_key_value(config)
    except nats.js.errors.BadRequestError as exc:
        if exc.err_code != _STREAM_IN_USE:
            raise
    stream = (await js.stream_info(f"KV_{spec.name}")).config
    stream.max_age = spec.ttl
    stream.duplicate_window = min(DUPLICATE_WINDOW, spec.ttl)
    stream.num_replicas = replicas
    stream.description = spec.description
    await js.update_stream(stream)
    log.info("key-value bucket %s now keeps entries %.0f s", spec.name, spec.ttl)
    return await js.key_value(spec.name)


class Bucket:
    """One bucket, opened on first use. After NATS fails to answer, `run` refuses at
    once (`BucketUnavailable`) for `RETRY_PAUSE`, then tries again; the outage and the
    recovery are logged once each, naming what the fallback does meanwhile."""

    def __init__(
        self,
        spec: BucketSpec,
        jetstream: Callable[[], JetStreamContext],
        *,
        replicas: int = 1,
        fallback: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self._jetstream = jetstream
        self._replicas = replicas
        self._fallback = fallback
        self._clock = clock
        self._kv: KeyValue | None = None
        self._opening: asyncio.Lock | None = None
        self._retry_at = 0.0
        self._down = False

    async def run(self, operation: Callable[[KeyValue], Awaitable[T]]) -> T:
        """`operation` on the bucket; it must handle the answers it expects (a key not
        found, a wrong last revision) itself: any other NATS error counts as an outage."""
        if self._clock() < self._retry_at:
            raise BucketUnavailable(self.spec.name)
        try:
            async with asyncio.timeout(OP_TIMEOUT):
                result = await operation(await self._bucket())
        except UNAVAILABLE as exc:
            self._failed(exc)
            raise BucketUnavailable(self.spec.name) from exc
        if self._down:
            self._down = False
            log.warning("NATS key-value bucket %s answers again", self.spec.name)
        return result

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            self._opening = self._opening or asyncio.Lock()
            async with self._opening:
                if self._kv is None:
                    self._kv = await open_bucket(self._jetstream(), self.spec, self._replicas)
        return self._kv

    def _failed(self, exc: BaseException) -> None:
        self._retry_at = self._clock() + RETRY_PAUSE
        self._kv = None  # opened (declared) again next time: it may have been deleted
        if not self._down:
            self._down = True
            reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
            log.warning(
                "NATS key-value bucket %s unavailable (%s); %s until it answers",
                self.spec.name,
                reason,
                self._fallback,
            )
