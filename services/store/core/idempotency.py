"""Idempotency keys of the HTTP API, decided once for every engine: a key unclaimed (or
whose claim expired) is claimed for this request; a claim of the same request is replayed
(its event id, and its answer once it has one); a claim of another request is a
`Conflict`. Only a claim without an answer may be released."""

from __future__ import annotations

from dataclasses import dataclass

from shared.model import IdempotencyClaim
from shared.ports.mailbox import Conflict


@dataclass(frozen=True, slots=True)
class StoredClaim:
    """A claim as an adapter read it."""

    digest: str
    event_id: str
    answer: str | None


def claimed(existing: StoredClaim | None, digest: str, event_id: str) -> IdempotencyClaim:
    """The claim a request with `digest` gets: a new one (under `event_id`, which the
    adapter then writes) when `existing` is None, else the existing one replayed."""
    if existing is None:
        return IdempotencyClaim(event_id=event_id)
    if existing.digest != digest:
        raise Conflict("the key was used for another request")
    return IdempotencyClaim(event_id=existing.event_id, answer=existing.answer)
