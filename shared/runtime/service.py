"""What the runtime needs of a service: its subscriptions, and start/stop of what it serves.

Metrics are not asked of a service: its constructor is given the process's `Registry`
(`shared/runtime/metrics.py`) and declares its families there, which the runtime serves."""

from __future__ import annotations

from typing import Protocol

from faststream.nats import NatsBroker

from shared.runtime.bus import Consumer


class Service(Protocol):
    name: str

    def subscribe(self, broker: NatsBroker) -> list[Consumer]:
        """Register the service's durable consumers on the broker (before it starts)."""
        ...

    async def start(self) -> None:
        """Start listeners and background work; called once the broker is connected."""
        ...

    async def stop(self) -> None:
        """Stop accepting work and finish what is in hand."""
        ...

    def listeners(self) -> list[str]:
        """Human-readable addresses this service listens on, for the start-up banner."""
        ...


class ConsumerService:
    """Base of the services that only consume from the bus: nothing of their own to start,
    stop or listen on (the broker runs their consumers)."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def listeners(self) -> list[str]:
        return []
