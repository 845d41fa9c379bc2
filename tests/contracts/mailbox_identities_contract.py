"""Who the user is and sends as (F5, F21, F22; `shared.ports.identities.Identities`): the
profile, and sender identities, one of them the account's own address from the start."""

from __future__ import annotations

from datetime import date

import pytest

from shared.model import IdentityFields, Phone, PostalAddress, Profile
from shared.ports.mailbox import Conflict, MailboxStore, NotFound, Refused


class IdentitiesContract:
    """The contract of `Identities`."""

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
