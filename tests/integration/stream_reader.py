"""Reading events off a JetStream stream by sequence, as a test looks at what a service
published: no consumer is made, so nothing is taken away from the services."""

from __future__ import annotations

import contextlib
from typing import TypeVar

import nats
from nats.js.errors import NotFoundError

from shared.events import Event
from shared.streams import StreamSpec
from tests.integration.test_pipeline import eventually

E = TypeVar("E", bound=Event)


async def events_on(
    nats_url: str, stream: StreamSpec, model: type[E], count: int
) -> list[tuple[E, str]]:
    """The `model` events on `stream`, in order, each with its Nats-Msg-Id, once at least
    `count` are there."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()

        async def found() -> list[tuple[E, str]] | None:
            state = (await js.stream_info(stream.name)).state
            out = []
            for seq in range(max(state.first_seq, 1), state.last_seq + 1):
                with contextlib.suppress(NotFoundError):  # taken meanwhile
                    msg = await js.get_msg(stream.name, seq)
                    if msg.subject == model.SUBJECT:
                        event = model.model_validate_json(msg.data or b"")
                        out.append((event, (msg.headers or {}).get("Nats-Msg-Id", "")))
            return out if len(out) >= count else None

        return await eventually(found)
    finally:
        await nc.close()
