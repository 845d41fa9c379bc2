"""`LoginRecords` in two JetStream key-value buckets, shared by every replica of the
gateway and ingest: `LOGIN_FAILURES` (TTL = the login window: a list of failure times
lives a window past its last failure, when all of them are stale) and `LOGIN_CLIENTS`
(TTL = how long a client stays known). Keys are digests (`kv_key`).

A failure is added by read-modify-write on the key's revision: the write names the
revision it read, and a write that lost the race to another replica reads again and
retries, so concurrent failures all count.

While NATS does not answer, the records are kept in this process (`MemoryLoginRecords`,
with a warning in the log): logins go on, throttled per process, rather than failing
wholesale or going unthrottled. What was counted locally stays local; the shared
counts resume when NATS answers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
from collections.abc import Callable

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from shared.ports.logins import MemoryLoginRecords
from shared.runtime.kv import Bucket, BucketSpec, BucketUnavailable, kv_key, noop, read

log = logging.getLogger(__name__)

FAILURES = "LOGIN_FAILURES"
CLIENTS = "LOGIN_CLIENTS"
_RACE_TIME = 1.0  # seconds of writes lost to other replicas before counting locally
_FALLBACK = "counting failed logins in this process"


class KvLoginRecords:
    def __init__(
        self,
        jetstream: Callable[[], JetStreamContext],
        *,
        window: float,
        known_for: float,
        replicas: int = 1,
    ) -> None:
        self._failures = Bucket(
            BucketSpec(FAILURES, window, "recent failed logins (Bureau login throttle)"),
            jetstream,
            replicas=replicas,
            fallback=_FALLBACK,
        )
        self._clients = Bucket(
            BucketSpec(CLIENTS, known_for, "clients that signed in (Bureau login throttle)"),
            jetstream,
            replicas=replicas,
            fallback="telling known clients in this process only",
        )
        self.local = MemoryLoginRecords()

    async def prepare(self) -> None:
        for bucket in (self._failures, self._clients):
            try:
                await bucket.run(noop)
            except BucketUnavailable:
                pass  # logged; the first login tries again

    async def failures(self, key: str, since: float) -> list[float]:
        async def recent(kv: KeyValue) -> list[float]:
            return _times((await read(kv, kv_key(key)))[0], since)

        try:
            shared = await self._failures.run(recent)
        except BucketUnavailable:
            return await self.local.failures(key, since)
        # Failures counted here during an outage still count until they age out.
        local = await self.local.failures(key, since)
        return sorted(shared + local) if local else shared

    async def add_failure(self, key: str, at: float, *, since: float, keep: int) -> None:
        name = kv_key(key)

        async def add(kv: KeyValue) -> bool:
            deadline = asyncio.get_running_loop().time() + _RACE_TIME
            for attempt in itertools.count():
                value, revision = await read(kv, name)
                times = [*_times(value, since), at][-max(1, keep) :]
                encoded = json.dumps([round(t, 3) for t in times]).encode()
                try:
                    if revision is None:
                        await kv.create(name, encoded)
                    else:
                        await kv.update(name, encoded, last=revision)
                    return True
                except nats.js.errors.KeyWrongLastSequenceError:
                    pass  # another replica wrote first: read its count again
                if asyncio.get_running_loop().time() > deadline:
                    return False
                # Apart, at random: writers that collided do not collide again at once.
                await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
            return False

        try:
            if await self._failures.run(add):
                return
            log.warning("login failure record too contended; counted in this process")
        except BucketUnavailable:
            pass
        await self.local.add_failure(key, at, since=since, keep=keep)

    async def clear(self, key: str) -> None:
        async def delete(kv: KeyValue) -> None:
            await kv.delete(kv_key(key))

        await self.local.clear(key)
        try:
            await self._failures.run(delete)
        except BucketUnavailable:
            pass

    async def known_at(self, key: str, since: float) -> float | None:
        async def known(kv: KeyValue) -> float | None:
            value = (await read(kv, kv_key(key)))[0]
            try:
                at = float(value) if value else None
            except ValueError:
                return None
            return at if at is not None and at > since else None

        try:
            shared = await self._clients.run(known)
        except BucketUnavailable:
            shared = None
        return shared if shared is not None else await self.local.known_at(key, since)

    async def mark_known(self, key: str, at: float) -> None:
        async def put(kv: KeyValue) -> None:
            await kv.put(kv_key(key), f"{at:.3f}".encode())

        try:
            await self._clients.run(put)
        except BucketUnavailable:
            await self.local.mark_known(key, at)


def _times(value: bytes | None, since: float) -> list[float]:
    if not value:
        return []
    try:
        decoded = json.loads(value)
    except ValueError:
        return []  # not ours (written by hand?): start the count afresh
    if not isinstance(decoded, list):
        return []
    return sorted(float(t) for t in decoded if isinstance(t, int | float) and t > since)
