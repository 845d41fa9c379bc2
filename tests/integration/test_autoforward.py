"""Automatic forwarding end to end (F56): mail in over SMTP, forwarded through outbound
to another local account, removed unless kept; a loop kept and warned of once."""

from __future__ import annotations

import asyncio

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import Forwarding, Preferences
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_outbound import accounts
from tests.integration.test_pipeline import eventually, send
from tests.integration.test_vacation import has, inbox

WARNING = "Automatic forwarding to {} stopped for a looping message"


async def forward(store: SqliteMailboxStore, address: str, to: str, *, keep: bool) -> None:
    account = await store.account_by_address(address)
    assert account is not None
    forwarding = Forwarding(address=to, keep=keep)
    await store.set_preferences(account.id, Preferences(forwarding=forwarding))


async def mail(stack: Stack, subject: str) -> None:
    raw = make_raw(subject=subject)
    await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])


async def subjects(store: SqliteMailboxStore, address: str) -> list[str]:
    return sorted(m.subject for m in await inbox(store, address))


async def test_forwarded_mail_leaves_the_account_unless_kept(stack: Stack) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        await forward(store, "alice@example.test", "Bob@example.test", keep=False)
        await mail(stack, "Moved away")
        await eventually(lambda: has(store, "bob@example.test", 1))
        await asyncio.sleep(1.0)  # time for a wrong copy to show
        assert await inbox(store, "alice@example.test") == []

        await forward(store, "alice@example.test", "bob@example.test", keep=True)
        await mail(stack, "Kept too")
        await eventually(lambda: has(store, "bob@example.test", 2))
        await eventually(lambda: has(store, "alice@example.test", 1))
        assert await subjects(store, "bob@example.test") == ["Kept too", "Moved away"]
        assert await subjects(store, "alice@example.test") == ["Kept too"]

        bob = await store.account_by_address("bob@example.test")
        assert bob is not None
        for summary in await inbox(store, "bob@example.test"):
            stored = await store.message(bob.id, summary.id)
            traces = [v for n, v in stored.headers if n == "X-Bureau-Forwarded"]
            assert traces == ["alice@example.test"]
            assert stored.sender is not None and stored.sender.address == "bob@example.net"
    finally:
        await store.close()


async def test_two_accounts_forwarding_to_each_other(stack: Stack) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        await forward(store, "alice@example.test", "bob@example.test", keep=False)
        await forward(store, "bob@example.test", "alice@example.test", keep=False)

        # Alice forwards to Bob, Bob back to Alice, who sees her own trace: the message
        # stays with her, and she is told why.
        await mail(stack, "Round and round")
        await eventually(lambda: has(store, "alice@example.test", 2))
        await mail(stack, "Round again")
        await eventually(lambda: has(store, "alice@example.test", 3))
        await asyncio.sleep(1.0)  # time for a wrong extra round or warning to show
        assert await subjects(store, "alice@example.test") == sorted(
            [WARNING.format("bob@example.test"), "Round again", "Round and round"]
        )
        assert await inbox(store, "bob@example.test") == []

        alice = await store.account_by_address("alice@example.test")
        assert alice is not None
        (warning,) = [
            m for m in await inbox(store, "alice@example.test") if m.subject.startswith("Auto")
        ]
        stored = await store.message(alice.id, warning.id)
        assert stored.sender is not None and stored.sender.name == "Mail Delivery System"
        assert "Round and round" in (stored.text_body or "")
    finally:
        await store.close()
