"""Submissions role of the mailbox store: mail users send, counted against their plan,
requests made idempotent by their key, and uploads of attachments being composed."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.model import IdempotencyClaim, Upload


class Submissions(Protocol):
    """Sending: submissions counted per account, idempotency keys, uploads."""

    async def admit_submission(
        self, account_id: str, event_id: str, at: datetime, *, since: datetime, limit: int | None
    ) -> bool:
        """Count a message sent at `at` against the account's limit of `limit` messages
        since `since`; False (and nothing counted) if it would go over. Idempotent by
        `event_id`: a message already counted is admitted again. Concurrent calls never
        admit more than `limit`."""
        ...

    async def claim_idempotency_key(
        self,
        account_id: str,
        key: str,
        digest: str,
        event_id: str,
        now: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyClaim:
        """Atomically: the claim of the account's `key`, made now (with `digest`, the
        request's fingerprint, and `event_id`) if the key is unclaimed or its claim was
        made before `expired_before` (such claims are forgotten); else the claim as it is.
        `Conflict` when the key was claimed for a request of another digest. `NotFound`
        for an unknown account."""
        ...

    async def answer_idempotency_key(self, account_id: str, key: str, answer: str) -> None:
        """Keep the answer to the request that claimed `key`, for its retries."""
        ...

    async def release_idempotency_key(self, account_id: str, key: str) -> None:
        """Forget the claim of `key` while it has no answer: its request was refused before
        it did anything, so the key may carry another request."""
        ...

    async def add_upload(self, upload: Upload) -> Upload: ...

    async def upload(self, account_id: str, upload_id: str) -> Upload:
        """Raises `NotFound` (also for another account's upload)."""
        ...
