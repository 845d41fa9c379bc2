"""Mail Bureau writes itself never sets anything in motion (RFC 3834), end to end: SMTP
in, every service of the stack on a real nats-server, the SQLite store.

A user's "notify me" filter whose conditions also match the notification (the recipient
is the user's own address) once made each notification trigger the next, without end.
"""

from __future__ import annotations

import asyncio

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.filters import Action, ActionKind, Condition, FieldName, FilterFields, Operator
from shared.mail.automatic import is_generated
from shared.mail.mime import parse_message
from shared.model import FolderRole, Forwarding, Notifications, Preferences, Vacation
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_outbound import accounts, inbox_subjects
from tests.integration.test_pipeline import eventually, send


def notify_on_mail_to(address: str) -> FilterFields:
    return FilterFields(
        name="tell me",
        conditions=[
            Condition(field=FieldName.RECIPIENT, operator=Operator.CONTAINS, value=address)
        ],
        actions=[Action(kind=ActionKind.NOTIFY_EMAIL)],
    )


async def settled(store: SqliteMailboxStore, address: str, count: int) -> list[str]:
    """The Inbox's subjects once it holds `count` messages and a while later still does."""

    async def reached() -> list[str] | None:
        subjects = await inbox_subjects(store, address)
        return subjects if len(subjects) >= count else None

    await eventually(reached, timeout=30)
    await asyncio.sleep(3.0)  # a loop would have added more by now
    return await inbox_subjects(store, address)


async def test_a_notify_filter_matching_its_own_notification_notifies_once(
    stack: Stack,
) -> None:
    store = await accounts(stack, "alice@example.test")
    try:
        alice = await store.account_by_address("alice@example.test")
        assert alice is not None
        await store.create_filter(alice.id, notify_on_mail_to("alice@example.test"))
        await store.set_preferences(
            alice.id, Preferences(notifications=Notifications(email="each"))
        )
        raw = make_raw(to="alice@example.test", subject="Quarterly figures")
        await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])
        subjects = await settled(store, "alice@example.test", 2)
    finally:
        await store.close()
    assert len(subjects) == 2, subjects
    assert "Quarterly figures" in subjects
    (notice,) = [s for s in subjects if s != "Quarterly figures"]
    assert notice.startswith("New message from")


async def test_generated_mail_triggers_no_notification_vacation_or_forward(
    stack: Stack,
) -> None:
    """Alice and Bob both notify themselves of everything, are on vacation and forward a
    copy of their mail to Carol. Bob writes to Alice: Alice gets his message and one
    notification, Bob gets one vacation reply, Carol gets Bob's message (forwarded, so
    Carol's own filter notifies her once). Neither the notification, nor the vacation
    reply, nor Carol's notification goes any further."""
    people = ("alice@example.test", "bob@example.test", "carol@example.test")
    store = await accounts(stack, *people)
    try:
        for address in people:
            account = await store.account_by_address(address)
            assert account is not None
            await store.create_filter(account.id, notify_on_mail_to("example.test"))
            if address != "carol@example.test":
                await store.set_preferences(
                    account.id,
                    Preferences(
                        vacation=Vacation(enabled=True, subject="Away", text="Back Monday."),
                        forwarding=Forwarding(address="carol@example.test", keep=True),
                        notifications=Notifications(email="each"),
                    ),
                )
        raw = make_raw(
            sender="bob@example.test", to="alice@example.test", subject="Lunch on Friday?"
        )
        await asyncio.to_thread(
            send, stack.smtp_port, raw, ["alice@example.test"], "bob@example.test"
        )
        alice = await settled(store, "alice@example.test", 2)
        carol = await settled(store, "carol@example.test", 2)
        bob = await settled(store, "bob@example.test", 1)
        stored = await _inbox_raw(store, stack, "alice@example.test")
    finally:
        await store.close()
    assert sorted(alice) == sorted(["Lunch on Friday?", _notice_of(alice)]), alice
    assert bob == ["Away"], bob  # the vacation reply, neither notified nor forwarded
    assert sorted(carol) == sorted(["Lunch on Friday?", _notice_of(carol)]), carol
    notices = [m for m in stored if is_generated(parse_message(m).headers)]
    assert len(notices) == 1  # and it says it is Bureau's own


def _notice_of(subjects: list[str]) -> str:
    (notice,) = [s for s in subjects if s.startswith("New message from")]
    return notice


async def _inbox_raw(store: SqliteMailboxStore, stack: Stack, address: str) -> list[bytes]:
    account = await store.account_by_address(address)
    assert account is not None
    inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
    listed = await store.messages(account.id, inbox.id)
    blobs = FsBlobStore(stack.data_dir / "blobs")
    out = []
    for summary in listed.items:
        message = await store.message(account.id, summary.id)
        out.append(await blobs.get(message.blob_id))
    return out
