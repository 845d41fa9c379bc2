"""Leases port: a name held by one holder at a time across every replica (the POP3
maildrop lock of RFC 1939 §8), kept alive by its holder and given up when it stops,
or when the holder dies, after a time-to-live.

`MemoryLeases` holds them in one process: for unit tests, as the first gate of the
shared adapter (`shared/runtime/kv/leases.py`), and as its fallback while NATS does not answer.
"""

from __future__ import annotations

from typing import Protocol


class Lease(Protocol):
    @property
    def lost(self) -> bool:
        """True once another holder has the name (this one's lease ran out unrenewed)."""
        ...

    async def release(self) -> None:
        """Give the name up (idempotent)."""
        ...


class Leases(Protocol):
    async def prepare(self) -> None:
        """Make ready (open the shared storage) at start; failing here is not fatal."""
        ...

    async def acquire(self, name: str) -> Lease | None:
        """A lease on `name`, or None while someone else holds it."""
        ...


class MemoryLease:
    def __init__(self, held: set[str], name: str) -> None:
        self._held = held
        self._name = name
        self._released = False

    @property
    def lost(self) -> bool:
        return False

    async def release(self) -> None:
        if not self._released:
            self._released = True
            self._held.discard(self._name)


class MemoryLeases:
    def __init__(self) -> None:
        self._held: set[str] = set()

    async def prepare(self) -> None:
        return None

    def take(self, name: str) -> MemoryLease | None:
        if name in self._held:
            return None
        self._held.add(name)
        return MemoryLease(self._held, name)

    async def acquire(self, name: str) -> Lease | None:
        return self.take(name)
