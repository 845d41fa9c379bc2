"""Automation state (F24, F48, F56, F57): claims granted once per account (vacation
replies, warnings, notifications), the monthly SMS credit, and read receipts that are
pending until sent or dismissed, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shared.events import ChangeKind
from shared.model import Account, FolderRole, NewMessage, Plan, Selection
from shared.ports.mailbox import MailboxStore, NotFound
from tests.contracts.mailbox_support import BASE, role
from tests.factories import make_raw, new_message

NOW = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)


def asking(account: Account, folder_id: str, raw: bytes, to: str, hours: int = 0) -> NewMessage:
    """A received message asking for a read receipt to `to`."""
    message = new_message(account.id, folder_id, raw, received_at=BASE + timedelta(hours=hours))
    return message.model_copy(update={"receipt_to": to})


class AutomationStateContract:
    """The contract of `AutomationState`."""

    async def test_a_claim_is_granted_once(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        assert await store.claim_once(alice.id, "vacation:carol@example.net", NOW)
        assert not await store.claim_once(alice.id, "vacation:carol@example.net", NOW)
        later = NOW + timedelta(days=400)
        assert not await store.claim_once(alice.id, "vacation:carol@example.net", later)
        assert await store.claim_once(alice.id, "vacation:dave@example.net", NOW)
        assert await store.claim_once(bob.id, "vacation:carol@example.net", NOW)

    async def test_a_claim_every_period(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        week = timedelta(days=7)
        key = "vacation:carol@example.net"
        assert await store.claim_once(alice.id, key, NOW, every=week)
        assert not await store.claim_once(
            alice.id, key, NOW + week - timedelta(seconds=1), every=week
        )
        # A refused claim changes nothing: the period still runs from the first.
        assert await store.claim_once(alice.id, key, NOW + week, every=week)
        assert not await store.claim_once(alice.id, key, NOW + week + timedelta(days=6), every=week)
        assert await store.claim_once(alice.id, key, NOW + 2 * week, every=week)

    async def test_concurrent_claims_grant_one(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        granted = await asyncio.gather(
            *(store.claim_once(alice.id, "notified:m1:sms", NOW) for _ in range(8))
        )
        assert sorted(granted) == [False] * 7 + [True]

    async def test_claims_of_an_unknown_account_are_refused(self, store: MailboxStore) -> None:
        with pytest.raises(NotFound):
            await store.claim_once("nobody", "vacation:carol@example.net", NOW)

    async def test_release_by_prefix_takes_the_prefix_literally(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        keys = ["vacation:a_b@example.net", "vacation:axb@example.net", "vacation:%@x.net"]
        for key in [*keys, "forward-loop:fwd@example.net"]:
            assert await store.claim_once(alice.id, key, NOW)
        assert await store.claim_once(bob.id, "vacation:a_b@example.net", NOW)
        assert await store.release_once(alice.id, "vacation:a_") == 1
        assert await store.release_once(alice.id, "vacation:%") == 1
        assert await store.claim_once(alice.id, "vacation:a_b@example.net", NOW)
        assert not await store.claim_once(alice.id, "vacation:axb@example.net", NOW)
        assert await store.release_once(alice.id, "vacation:") == 2
        assert not await store.claim_once(alice.id, "forward-loop:fwd@example.net", NOW)
        assert not await store.claim_once(bob.id, "vacation:a_b@example.net", NOW)
        assert await store.release_once(alice.id, "nothing:") == 0

    async def test_sms_credit_per_month(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        await store.set_plan(Plan(name="basic", sms_credit=5))
        await store.assign_plan(alice.id, "basic")
        assert await store.sms_used(alice.id, NOW) == 0
        assert await store.debit_sms(alice.id, 3, NOW)
        assert not await store.debit_sms(alice.id, 3, NOW)  # would make 6: nothing taken
        assert await store.sms_used(alice.id, NOW) == 3
        assert await store.debit_sms(alice.id, 2, NOW)
        assert not await store.debit_sms(alice.id, 1, NOW)
        assert await store.sms_used(alice.id, NOW) == 5
        # NOW is 23:00 UTC on March 31st; an hour later is April, with its own credit.
        april = NOW + timedelta(hours=1)
        assert await store.sms_used(alice.id, april) == 0
        assert await store.debit_sms(alice.id, 5, april)
        assert await store.sms_used(alice.id, NOW) == 5

    async def test_sms_without_a_credit_is_counted(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.debit_sms(alice.id, 40, NOW)  # no plan: unlimited
        await store.set_plan(Plan(name="open"))
        await store.assign_plan(alice.id, "open")
        assert await store.debit_sms(alice.id, 2, NOW)
        assert await store.sms_used(alice.id, NOW) == 42
        await store.set_plan(Plan(name="none", sms_credit=0))
        await store.assign_plan(alice.id, "none")
        assert not await store.debit_sms(alice.id, 1, NOW)

    async def test_concurrent_debits_stay_within_the_credit(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        await store.set_plan(Plan(name="basic", sms_credit=5))
        await store.assign_plan(alice.id, "basic")
        granted = await asyncio.gather(*(store.debit_sms(alice.id, 2, NOW) for _ in range(6)))
        assert sum(granted) == 2
        assert await store.sms_used(alice.id, NOW) == 4

    async def test_sms_of_an_unknown_account_are_refused(self, store: MailboxStore) -> None:
        with pytest.raises(NotFound):
            await store.debit_sms("nobody", 1, NOW)

    async def test_a_receipt_starts_pending_and_copies_ask_none(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        asked = await store.deliver(asking(alice, inbox.id, make_raw(), "bob@example.net"))
        plain = await store.deliver(new_message(alice.id, inbox.id, make_raw()))
        assert (await store.message(alice.id, asked.message_id)).receipt == "pending"
        assert (await store.message(alice.id, plain.message_id)).receipt is None
        page = await store.messages(alice.id, inbox.id)
        assert {m.id: m.receipt for m in page.items} == {
            asked.message_id: "pending",
            plain.message_id: None,
        }
        kept = await store.create_folder(alice.id, "Kept", None)
        [copy] = await store.copy_messages(alice.id, Selection.of(asked.message_id), kept.id)
        assert (await store.message(alice.id, copy)).receipt is None
        assert [r.message_id for r in await store.receipt_requests(alice.id)] == [asked.message_id]

    async def test_requests_are_listed_oldest_first(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        raw = make_raw(subject="Minutes", sender="Carol <carol@example.net>")
        newer = await store.deliver(asking(alice, inbox.id, raw, "carol@example.net", hours=2))
        older = await store.deliver(
            asking(alice, inbox.id, make_raw(), "receipts@example.net", hours=1)
        )
        [first, second] = await store.receipt_requests(alice.id)
        assert (first.message_id, first.to) == (older.message_id, "receipts@example.net")
        assert (second.message_id, second.folder_id, second.subject) == (
            newer.message_id,
            inbox.id,
            "Minutes",
        )
        assert second.sender is not None and second.sender.address == "carol@example.net"
        assert second.received_at == BASE + timedelta(hours=2)
        assert await store.receipt_requests(bob.id) == []

    async def test_a_receipt_is_settled_once(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        first = await store.deliver(asking(alice, inbox.id, make_raw(), "bob@example.net"))
        second = await store.deliver(asking(alice, inbox.id, make_raw(), "carol@example.net"))
        assert await store.settle_receipt(alice.id, first.message_id, "sent") == "bob@example.net"
        assert await store.settle_receipt(alice.id, first.message_id, "sent") is None
        assert await store.settle_receipt(alice.id, first.message_id, "dismissed") is None
        assert (await store.message(alice.id, first.message_id)).receipt == "sent"
        assert [r.message_id for r in await store.receipt_requests(alice.id)] == [second.message_id]
        assert await store.settle_receipt(alice.id, second.message_id, "dismissed") == (
            "carol@example.net"
        )
        assert (await store.message(alice.id, second.message_id)).receipt == "dismissed"
        assert await store.receipt_requests(alice.id) == []

    async def test_settling_is_journaled(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        asked = await store.deliver(asking(alice, inbox.id, make_raw(), "bob@example.net"))
        modseq = await store.highest_modseq(alice.id)
        await store.settle_receipt(alice.id, asked.message_id, "sent")
        [change] = await store.changes_since(alice.id, modseq)
        assert (change.kind, change.message_id) == (ChangeKind.MESSAGE_UPDATED, asked.message_id)
        assert change.message is not None and change.message.receipt == "sent"

    async def test_copies_of_one_received_message_are_one_request(
        self, store: MailboxStore
    ) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        work = await store.create_folder(alice.id, "Work", None)
        raw = make_raw(message_id="<report-7@example.net>")
        # A filter's copy action: the same received message delivered into two folders.
        in_inbox = await store.deliver(asking(alice, inbox.id, raw, "bob@example.net"))
        in_work = await store.deliver(asking(alice, work.id, raw, "bob@example.net", hours=1))
        [request] = await store.receipt_requests(alice.id)
        assert request.message_id == in_inbox.message_id
        assert await store.settle_receipt(alice.id, in_work.message_id, "sent") == (
            "bob@example.net"
        )
        assert await store.settle_receipt(alice.id, in_inbox.message_id, "sent") is None
        assert (await store.message(alice.id, in_inbox.message_id)).receipt == "sent"
        assert await store.receipt_requests(alice.id) == []

    async def test_concurrent_settles_give_the_address_once(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        asked = await store.deliver(asking(alice, inbox.id, make_raw(), "bob@example.net"))
        results = await asyncio.gather(
            *(store.settle_receipt(alice.id, asked.message_id, "sent") for _ in range(8))
        )
        assert (results.count("bob@example.net"), results.count(None)) == (1, 7)

    async def test_settling_is_scoped_by_account(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        asked = await store.deliver(asking(alice, inbox.id, make_raw(), "carol@example.net"))
        plain = await store.deliver(new_message(alice.id, inbox.id, make_raw()))
        with pytest.raises(NotFound):
            await store.settle_receipt(bob.id, asked.message_id, "sent")
        with pytest.raises(NotFound):
            await store.settle_receipt(alice.id, "no-such-message", "sent")
        assert await store.settle_receipt(alice.id, plain.message_id, "sent") is None
        assert (await store.message(alice.id, asked.message_id)).receipt == "pending"

    async def test_trashed_requests_stay_and_destroyed_ones_go(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        asked = await store.deliver(asking(alice, inbox.id, make_raw(), "bob@example.net"))
        await store.trash_messages(alice.id, Selection.of(asked.message_id))
        [request] = await store.receipt_requests(alice.id)
        assert request.folder_id == (await role(store, alice, FolderRole.TRASH)).id
        await store.destroy_messages(alice.id, Selection.of(asked.message_id))
        assert await store.receipt_requests(alice.id) == []
