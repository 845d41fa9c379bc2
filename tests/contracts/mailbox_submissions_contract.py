"""Sending (F23, F34, `shared.ports.submissions.Submissions`): submissions counted against
the plan's limit in their window, idempotency keys, uploads kept per account."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shared.model import IdempotencyClaim
from shared.ports.mailbox import Conflict, MailboxStore, NotFound
from tests.contracts.mailbox_support import BLOB_A, upload_of


class SubmissionsContract:
    """The contract of `Submissions`."""

    async def test_submissions_are_limited_in_their_window(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        now = datetime.now(UTC)
        day = timedelta(days=1)

        async def admit(account_id: str, event_id: str, at: datetime, limit: int | None) -> bool:
            return await store.admit_submission(
                account_id, event_id, at, since=at - day, limit=limit
            )

        assert await admit(alice.id, "e1", now, 2)
        assert await admit(alice.id, "e2", now + timedelta(minutes=1), 2)
        assert not await admit(alice.id, "e3", now + timedelta(minutes=2), 2)
        assert not await admit(alice.id, "e3", now + timedelta(minutes=3), 2)  # not counted
        assert await admit(alice.id, "e1", now + timedelta(minutes=4), 2)  # counted already
        assert await admit(bob.id, "e1", now, 1)  # each account has its own count
        assert not await admit(bob.id, "e2", now, 1)
        assert not await admit(bob.id, "e3", now, 0)
        assert await admit(bob.id, "e4", now, None)  # no limit, still counted
        # A day later the first two are out of the window.
        later = now + day + timedelta(minutes=5)
        assert await admit(alice.id, "e5", later, 2)
        assert await admit(alice.id, "e6", later, 2)
        assert not await admit(alice.id, "e7", later, 2)
        with pytest.raises(NotFound):
            await admit("no-such-account", "e1", now, 2)

    async def test_concurrent_submissions_never_pass_the_limit(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        now = datetime.now(UTC)
        results = await asyncio.gather(
            *(
                store.admit_submission(
                    alice.id, f"e{i}", now, since=now - timedelta(days=1), limit=3
                )
                for i in range(10)
            )
        )
        assert 1 <= sum(results) <= 3
        # A message admitted once is admitted again, whatever the count.
        admitted = [f"e{i}" for i, ok in enumerate(results) if ok]
        again = await store.admit_submission(
            alice.id, admitted[0], now, since=now - timedelta(days=1), limit=3
        )
        assert again

    async def test_an_idempotency_key_is_claimed_once_per_account_and_body(
        self, store: MailboxStore
    ) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        now = datetime.now(UTC)
        old = now - timedelta(days=1)

        async def claim(account_id: str, digest: str, event_id: str) -> IdempotencyClaim:
            return await store.claim_idempotency_key(
                account_id, "k1", digest, event_id, now, expired_before=old
            )

        assert await claim(alice.id, "d1", "e1") == IdempotencyClaim(event_id="e1")
        # A retry gets the first claim's event id, before and after its answer.
        assert await claim(alice.id, "d1", "e2") == IdempotencyClaim(event_id="e1")
        await store.answer_idempotency_key(alice.id, "k1", '{"id": "m1"}')
        again = await claim(alice.id, "d1", "e3")
        assert again == IdempotencyClaim(event_id="e1", answer='{"id": "m1"}')
        with pytest.raises(Conflict):
            await claim(alice.id, "d2", "e4")  # the same key for another request
        # Keys are the account's own.
        assert await claim(bob.id, "d2", "e5") == IdempotencyClaim(event_id="e5")
        # An answered claim is not released; an unanswered one is.
        await store.release_idempotency_key(alice.id, "k1")
        assert (await claim(alice.id, "d1", "e6")).answer == '{"id": "m1"}'
        await store.release_idempotency_key(bob.id, "k1")
        assert await claim(bob.id, "d3", "e7") == IdempotencyClaim(event_id="e7")
        with pytest.raises(NotFound):
            await claim("no-such-account", "d1", "e1")

    async def test_an_expired_idempotency_key_is_claimed_afresh(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        then = datetime.now(UTC) - timedelta(days=2)
        first = await store.claim_idempotency_key(
            alice.id, "k", "d1", "e1", then, expired_before=then - timedelta(days=1)
        )
        await store.answer_idempotency_key(alice.id, "k", "{}")
        now = datetime.now(UTC)
        later = await store.claim_idempotency_key(
            alice.id, "k", "d2", "e2", now, expired_before=now - timedelta(days=1)
        )
        assert (first.event_id, later) == ("e1", IdempotencyClaim(event_id="e2"))

    async def test_concurrent_claims_of_one_key_agree(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        now = datetime.now(UTC)
        claims = await asyncio.gather(
            *(
                store.claim_idempotency_key(
                    alice.id, "k", "d", f"e{i}", now, expired_before=now - timedelta(days=1)
                )
                for i in range(8)
            )
        )
        assert len({c.event_id for c in claims}) == 1

    async def test_uploads_belong_to_their_account(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        upload = upload_of(alice.id, BLOB_A, datetime.now(UTC))
        assert await store.add_upload(upload) == upload
        assert await store.upload(alice.id, upload.id) == upload
        with pytest.raises(NotFound):
            await store.upload(bob.id, upload.id)
        with pytest.raises(NotFound):
            await store.upload(alice.id, "no-such-upload")
        with pytest.raises(NotFound):
            await store.add_upload(upload_of("no-such-account", BLOB_A, datetime.now(UTC)))
