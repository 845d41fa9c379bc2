"""Vacation replies end to end (F24, RFC 3834): mail in over SMTP, the reply through the
filters, outbound and local delivery into the sender's Inbox; none for each exclusion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.model import FolderRole, MessageSummary, Preferences, Vacation
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_outbound import accounts
from tests.integration.test_pipeline import eventually, send

TODAY = datetime.now(UTC).date()


async def inbox(store: SqliteMailboxStore, address: str) -> list[MessageSummary]:
    account = await store.account_by_address(address)
    assert account is not None
    folder = await store.folder_by_role(account.id, FolderRole.INBOX)
    return (await store.messages(account.id, folder.id)).items


async def has(store: SqliteMailboxStore, address: str, count: int) -> list[MessageSummary] | None:
    items = await inbox(store, address)
    return items if len(items) >= count else None


async def away(store: SqliteMailboxStore, address: str, **vacation: object) -> None:
    account = await store.account_by_address(address)
    assert account is not None
    settings = Vacation(enabled=True, subject="Away until Monday", text="Back soon.", **vacation)  # type: ignore[arg-type]
    await store.set_preferences(account.id, Preferences(vacation=settings))


async def mail(
    stack: Stack,
    sender: str,
    subject: str,
    *,
    header: bytes = b"",
    to: str = "alice@example.test",
    mail_from: str | None = None,
) -> None:
    raw = header + make_raw(sender=sender, to=to, subject=subject)
    envelope = sender if mail_from is None else mail_from
    await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"], envelope)


async def test_a_sender_gets_one_reply_for_two_messages(stack: Stack) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        await away(store, "alice@example.test", start=TODAY - timedelta(days=1))
        await mail(stack, "bob@example.test", "Lunch?")
        await mail(stack, "bob@example.test", "Lunch tomorrow then?")
        await eventually(lambda: has(store, "alice@example.test", 2))
        (reply,) = await eventually(lambda: has(store, "bob@example.test", 1))
        await asyncio.sleep(1.0)  # time for a wrong second reply to show
        assert len(await inbox(store, "bob@example.test")) == 1

        bob = await store.account_by_address("bob@example.test")
        assert bob is not None
        stored = await store.message(bob.id, reply.id)
        fields = {name.lower(): value for name, value in stored.headers}
        assert fields["auto-submitted"] == "auto-replied"
        assert stored.subject == "Away until Monday"
        assert stored.sender is not None and stored.sender.address == "alice@example.test"
        originals = {m.subject for m in await inbox(store, "alice@example.test")}
        assert originals == {"Lunch?", "Lunch tomorrow then?"}
        assert fields["in-reply-to"].startswith("<") and "example.net" in fields["in-reply-to"]
    finally:
        await store.close()


async def test_no_reply_for_any_rfc_3834_exclusion(stack: Stack) -> None:
    senders = [
        "early@example.test",
        "lister@example.test",
        "bulker@example.test",
        "robot@example.test",
        "nullfrom@example.test",
        "noreply@example.test",
        "blind@example.test",
    ]
    store = await accounts(stack, "alice@example.test", "dave@example.test", *senders)
    try:
        # Outside the dates: the vacation starts tomorrow.
        await away(store, "alice@example.test", start=TODAY + timedelta(days=1))
        await mail(stack, "early@example.test", "Before the holidays")
        await eventually(lambda: has(store, "alice@example.test", 1))

        await away(store, "alice@example.test", start=TODAY, end=TODAY + timedelta(days=1))
        await mail(stack, "lister@example.test", "List", header=b"List-Id: <team.example.test>\r\n")
        await mail(stack, "bulker@example.test", "Bulk", header=b"Precedence: bulk\r\n")
        await mail(
            stack, "robot@example.test", "Auto", header=b"Auto-Submitted: auto-generated\r\n"
        )
        await mail(stack, "nullfrom@example.test", "Null sender", mail_from="")
        await mail(stack, "noreply@example.test", "Your order")
        await mail(stack, "blind@example.test", "Bcc", to="someone@example.net")
        await eventually(lambda: has(store, "alice@example.test", 7))

        # A personal message after all of them is answered: the replies work.
        await mail(stack, "dave@example.test", "Personal")
        (reply,) = await eventually(lambda: has(store, "dave@example.test", 1))
        assert reply.subject == "Away until Monday"
        await asyncio.sleep(1.0)  # time for a wrong reply to show
        for sender in senders:
            assert await inbox(store, sender) == [], sender
    finally:
        await store.close()
