"""Composing and sending (F5, F21-F23): aliases, sending rights, the profile, sender
identities, the plan's limits and signature, submissions counted against them, uploads."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.directory import resolve_recipient
from shared.events import new_event_id
from shared.model import (
    IdempotencyClaim,
    IdentityFields,
    Phone,
    Plan,
    PostalAddress,
    Preferences,
    Profile,
    Selection,
    Upload,
)
from shared.ports.mailbox import AccountExists, Conflict, MailboxStore, NotFound, Refused
from tests.contracts.mailbox_support import account_with_mail

BLOB_A = "sha256-" + "a" * 64
BLOB_B = "sha256-" + "b" * 64


def upload_of(account_id: str, blob_id: str, created_at: datetime, name: str = "a.pdf") -> Upload:
    return Upload(
        id=new_event_id(),
        account_id=account_id,
        blob_id=blob_id,
        filename=name,
        content_type="application/pdf",
        size=1234,
        created_at=created_at,
    )


class SendersContract:
    # --- aliases and sending rights ----------------------------------------------------
    async def test_an_alias_reaches_the_account(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.aliases(alice.id) == []
        await store.add_alias(alice.id, "Sales@Example.ORG")
        await store.add_alias(alice.id, "info@example.test")
        assert await store.aliases(alice.id) == ["info@example.test", "sales@example.org"]
        found = await store.account_by_address("SALES@example.org")
        assert found is not None and found.id == alice.id and found.address == alice.address
        assert await store.hosts_domain("example.org")
        # Plus addressing works on aliases too (the directory tries without the tag).
        tagged = await resolve_recipient(store, "sales+news@example.org")
        assert tagged is not None and tagged.id == alice.id
        await store.remove_alias(alice.id, "SALES@example.org")
        assert await store.aliases(alice.id) == ["info@example.test"]
        assert await store.account_by_address("sales@example.org") is None
        own = await store.account_by_address("alice@example.test")
        assert own is not None and own.id == alice.id

    async def test_an_address_belongs_to_one_account_or_alias(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        await store.add_alias(alice.id, "team@example.test")
        for owner, address in [
            (alice.id, "alice@example.test"),  # its own address
            (alice.id, "Team@example.test"),  # already its alias
            (alice.id, "bob@example.test"),  # another account's address
            (bob.id, "team@example.test"),  # another account's alias
        ]:
            with pytest.raises(AccountExists):
                await store.add_alias(owner, address)
        with pytest.raises(AccountExists):
            await store.create_account("TEAM@example.test", "hash")
        assert await store.aliases(bob.id) == []
        with pytest.raises(NotFound):
            await store.add_alias("no-such-account", "free@example.test")

    async def test_removing_what_is_not_an_alias(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        await store.add_alias(alice.id, "team@example.test")
        with pytest.raises(NotFound):
            await store.remove_alias(alice.id, "nobody@example.test")
        with pytest.raises(NotFound):
            await store.remove_alias(alice.id, "alice@example.test")  # the address itself
        with pytest.raises(NotFound):
            await store.remove_alias(bob.id, "team@example.test")  # another account's
        assert await store.aliases(alice.id) == ["team@example.test"]
        with pytest.raises(NotFound):
            await store.aliases("no-such-account")

    async def test_submission_blocked(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert alice.submission_blocked is False
        await store.set_submission_blocked(alice.id, True)
        found = await store.account_by_address("alice@example.test")
        assert found is not None and found.submission_blocked
        await store.set_submission_blocked(alice.id, False)
        found = await store.account(alice.id)
        assert found is not None and not found.submission_blocked
        with pytest.raises(NotFound):
            await store.set_submission_blocked("no-such-account", True)

    async def test_external_senders(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert alice.external_senders is False
        await store.set_external_senders(alice.id, True)
        found = await store.account(alice.id)
        assert found is not None and found.external_senders
        by_address = await store.account_by_address("alice@example.test")
        assert by_address is not None and by_address.external_senders
        assert (await store.accounts())[0].external_senders
        await store.set_external_senders(alice.id, False)
        found = await store.account(alice.id)
        assert found is not None and not found.external_senders
        with pytest.raises(NotFound):
            await store.set_external_senders("no-such-account", True)

    async def test_account_plan(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.account_plan(alice.id) is None
        plan = Plan(name="free", messages_per_day=100, signature="Sent with Bureau Free")
        await store.set_plan(plan)
        await store.assign_plan(alice.id, "free")
        assert await store.account_plan(alice.id) == plan
        assert await store.plans() == [plan]
        with pytest.raises(NotFound):
            await store.account_plan("no-such-account")

    # --- profile, preferences and identities -------------------------------------------
    async def test_profile_round_trip(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.profile(alice.id) == Profile()
        profile = Profile(
            full_name="Alice Martin",
            first_name="Alice",
            last_name="Martin",
            company="Example",
            job_title="Engineer",
            emails=["alice@example.org"],
            phones=[Phone(kind="mobile", number="+33 6 00 00 00 00")],
            addresses=[PostalAddress(kind="home", street="1 rue X", city="Paris", country="FR")],
            website="https://example.test",
            birthday=date(1990, 5, 17),
            comments="private",
            tags=["friends"],
        )
        assert await store.set_profile(alice.id, profile) == profile
        assert await store.profile(alice.id) == profile
        with pytest.raises(NotFound):
            await store.profile("no-such-account")
        with pytest.raises(NotFound):
            await store.set_profile("no-such-account", profile)

    async def test_preferences_for_sending(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        [primary] = await store.identities(alice.id)
        prefs = Preferences(default_identity_id=primary.id, always_request_receipt=True)
        await store.set_preferences(alice.id, prefs)
        assert await store.preferences(alice.id) == prefs

    async def test_every_account_starts_with_its_own_identity(self, store: MailboxStore) -> None:
        alice = await store.create_account("Alice@Example.test", "hash")
        [primary] = await store.identities(alice.id)
        assert (primary.address, primary.name, primary.account_id) == (
            "alice@example.test",
            "",
            alice.id,
        )
        assert primary.signature_text == "" and primary.reply_to is None
        assert await store.identity(alice.id, primary.id) == primary
        with pytest.raises(NotFound):
            await store.identities("no-such-account")

    async def test_identities(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        [primary] = await store.identities(alice.id)
        fields = IdentityFields(
            address="Sales@Example.test",
            name="Alice (Sales)",
            reply_to="sales-replies@example.test",
            signature_text="-- \nAlice, Sales",
            signature_html="<p>Alice, <b>Sales</b></p>",
            signature_auto=False,
        )
        sales = await store.create_identity(alice.id, fields)
        assert sales.address == "sales@example.test" and sales.name == "Alice (Sales)"
        assert sales.model_dump(exclude={"id", "account_id", "address"}) == fields.model_dump(
            exclude={"address"}
        )
        other = await store.create_identity(alice.id, IdentityFields(address="a2@example.org"))
        assert [i.id for i in await store.identities(alice.id)] == [primary.id, sales.id, other.id]
        assert await store.identity(alice.id, sales.id) == sales
        with pytest.raises(Conflict):
            await store.create_identity(alice.id, IdentityFields(address="SALES@example.test"))
        with pytest.raises(Conflict):
            await store.create_identity(alice.id, IdentityFields(address="alice@example.test"))
        # Every field is replaced.
        renamed = await store.update_identity(
            alice.id, sales.id, IdentityFields(address="sales@example.test", name="Sales")
        )
        assert renamed.name == "Sales" and renamed.reply_to is None
        assert renamed.signature_html == "" and renamed.signature_auto
        assert await store.identity(alice.id, sales.id) == renamed
        with pytest.raises(Conflict):
            await store.update_identity(
                alice.id, sales.id, IdentityFields(address="a2@example.org")
            )
        moved = await store.update_identity(
            alice.id, other.id, IdentityFields(address="A3@example.org")
        )
        assert moved.address == "a3@example.org"
        await store.delete_identity(alice.id, other.id)
        assert [i.id for i in await store.identities(alice.id)] == [primary.id, sales.id]
        with pytest.raises(NotFound):
            await store.identity(alice.id, other.id)
        with pytest.raises(NotFound):
            await store.delete_identity(alice.id, other.id)

    async def test_the_last_identity_stays(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        [primary] = await store.identities(alice.id)
        second = await store.create_identity(alice.id, IdentityFields(address="a2@example.test"))
        await store.delete_identity(alice.id, primary.id)  # the primary one may go too
        with pytest.raises(Refused):
            await store.delete_identity(alice.id, second.id)
        assert await store.identities(alice.id) == [second]

    async def test_another_accounts_identity_is_not_found(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        [alices] = await store.identities(alice.id)
        # The same address may be an identity of two accounts: who may use it is not
        # the store's rule.
        await store.create_identity(bob.id, IdentityFields(address="alice@example.test"))
        with pytest.raises(NotFound):
            await store.identity(bob.id, alices.id)
        with pytest.raises(NotFound):
            await store.update_identity(bob.id, alices.id, IdentityFields(address="x@y.test"))
        with pytest.raises(NotFound):
            await store.delete_identity(bob.id, alices.id)
        with pytest.raises(NotFound):
            await store.create_identity("no-such-account", IdentityFields(address="x@y.test"))
        assert await store.identity(alice.id, alices.id) == alices

    # --- sending limits ---------------------------------------------------------------
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

    # --- idempotency keys -------------------------------------------------------------
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

    # --- uploads -----------------------------------------------------------------------
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

    async def test_expired_uploads_leave_their_blobs_to_collect(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        now = datetime.now(UTC)
        old = now - timedelta(days=2)
        gone = await store.add_upload(upload_of(alice.id, BLOB_A, old))
        shared_old = await store.add_upload(upload_of(alice.id, BLOB_B, old))
        kept = await store.add_upload(upload_of(alice.id, BLOB_B, now))
        assert await store.expire_uploads(now - timedelta(days=1)) == 2
        for upload in (gone, shared_old):
            with pytest.raises(NotFound):
                await store.upload(alice.id, upload.id)
        assert await store.upload(alice.id, kept.id) == kept
        # BLOB_A is used by nothing now; BLOB_B still by the newer upload.
        assert [b for b, _ in await store.orphan_blobs()] == [BLOB_A]
        assert await store.settle_orphan(BLOB_A) is True
        assert await store.expire_uploads(now - timedelta(days=1)) == 0
        assert await store.expire_uploads(now + timedelta(seconds=1)) == 1
        assert [b for b, _ in await store.orphan_blobs()] == [BLOB_B]

    async def test_expiry_goes_a_batch_at_a_time(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        old = datetime.now(UTC) - timedelta(days=2)
        for i in range(3):
            await store.add_upload(upload_of(alice.id, BLOB_A, old + timedelta(seconds=i)))
        cutoff = datetime.now(UTC)
        assert await store.expire_uploads(cutoff, limit=2) == 2
        assert await store.orphan_blobs() == []  # the third upload still uses the blob
        assert await store.expire_uploads(cutoff, limit=2) == 1
        assert [b for b, _ in await store.orphan_blobs()] == [BLOB_A]

    async def test_an_upload_keeps_its_blob_from_collection(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 2)  # both messages share one blob
        blob = (await store.message(account.id, ids[0])).blob_id
        # A blob a message uses stays off the orphan list when an upload of it expires.
        await store.add_upload(upload_of(account.id, blob, datetime.now(UTC)))
        assert await store.expire_uploads(datetime.now(UTC) + timedelta(seconds=1)) == 1
        assert await store.orphan_blobs() == []
        # Removed with its last message, then uploaded again before the collector came by.
        await store.destroy_messages(account.id, Selection.of(*ids))
        assert [b for b, _ in await store.orphan_blobs()] == [blob]
        await store.add_upload(upload_of(account.id, blob, datetime.now(UTC)))
        assert await store.settle_orphan(blob) is False
        assert await store.orphan_blobs() == []
        assert await store.expire_uploads(datetime.now(UTC) + timedelta(seconds=1)) == 1
        assert [b for b, _ in await store.orphan_blobs()] == [blob]
