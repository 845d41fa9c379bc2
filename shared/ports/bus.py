"""Publishing port: services emit events through it and never touch the broker directly."""

from __future__ import annotations

from typing import Protocol

from shared.events import Event


class PublishError(RuntimeError):
    """The bus did not acknowledge a publish: the event is not durable."""


class EventPublisher(Protocol):
    async def publish(self, event: Event, subject: str | None = None) -> None:
        """Return only once the bus has stored the event durably; raise `PublishError`
        otherwise."""
        ...
