"""The outbound service with real parts: nats-server, the services, and an aiosmtpd
smarthost that checks the bytes it receives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from faststream.nats import NatsBroker

from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import OutboundRequest, new_event_id
from shared.model import FolderRole
from shared.runtime.bus import JetStreamPublisher, make_broker
from shared.runtime.passwords import hash_password
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.smarthost import Smarthost
from tests.integration.test_pipeline import eventually


@pytest.fixture
async def smarthost(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Smarthost]:
    host = Smarthost()
    await host.start()
    monkeypatch.setenv("BUREAU_SMARTHOST", f"127.0.0.1:{host.port}")
    monkeypatch.setenv("BUREAU_SMARTHOST_TLS", "none")
    monkeypatch.setenv("BUREAU_HOSTNAME", "mail.example.test")
    monkeypatch.setenv("BUREAU_RETRY_FIRST", "0.2")
    monkeypatch.setenv("BUREAU_RETRY_MAX", "0.5")
    yield host
    await host.stop()


@pytest.fixture
async def send(stack: Stack) -> AsyncIterator[object]:
    broker = make_broker(stack.nats_url, "test-sender")
    await broker.connect()
    blobs = FsBlobStore(stack.data_dir / "blobs")
    publisher = JetStreamPublisher(broker)

    async def queue(
        raw: bytes, recipients: list[str], mail_from: str = "alice@example.test"
    ) -> str:
        event = OutboundRequest(
            event_id=new_event_id(), mail_from=mail_from, recipients=recipients,
            blob_id=await blobs.put(raw), size=len(raw), queued_at=datetime.now(UTC),
        )  # fmt: skip
        await publisher.publish(event)
        return event.event_id

    yield queue
    await broker.stop()


async def accounts(stack: Stack, *addresses: str) -> SqliteMailboxStore:
    store = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    for address in addresses:
        await store.create_account(address, hash_password("correct horse"))
    return store


async def inbox_subjects(store: SqliteMailboxStore, address: str) -> list[str]:
    account = await store.account_by_address(address)
    assert account is not None
    inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
    return [m.subject for m in (await store.messages(account.id, inbox.id)).items]


async def test_remote_mail_goes_through_the_smarthost_byte_for_byte(
    smarthost: Smarthost, stack: Stack, send: object
) -> None:
    raw = make_raw(sender="alice@example.test", to="carol@remote.test", subject="Hello Carol")
    await send(raw, ["carol@remote.test", "dave@remote.test"])  # type: ignore[operator]

    async def arrived() -> bool:
        return len(smarthost.accepted) == 1

    await eventually(arrived)
    (accepted,) = smarthost.accepted
    assert accepted.mail_from == "alice@example.test"
    assert sorted(accepted.recipients) == ["carol@remote.test", "dave@remote.test"]
    assert accepted.data.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")


async def test_temporary_failure_then_success_delivers_exactly_once(
    smarthost: Smarthost, stack: Stack, send: object
) -> None:
    smarthost.script["flaky@remote.test"].extend(
        ["451 4.3.0 Try again later", "421 4.7.0 Busy, come back"]
    )
    await send(make_raw(subject="Persistent"), ["flaky@remote.test"])  # type: ignore[operator]

    async def delivered() -> bool:
        return bool(smarthost.received_by("flaky@remote.test"))

    await eventually(delivered)
    await asyncio.sleep(1.0)  # give a wrong duplicate the time to show
    assert len(smarthost.received_by("flaky@remote.test")) == 1
    assert smarthost.attempts["flaky@remote.test"] == 3


async def test_permanent_failure_bounces_to_the_senders_inbox(
    smarthost: Smarthost, stack: Stack, send: object
) -> None:
    store = await accounts(stack, "alice@example.test")
    try:
        smarthost.script["nobody@remote.test"].append(
            "550 5.1.1 <nobody@remote.test>: no such user"
        )
        await send(make_raw(subject="Lost letter"), ["nobody@remote.test"])  # type: ignore[operator]

        async def bounced() -> list[str]:
            return await inbox_subjects(store, "alice@example.test")

        subjects = await eventually(bounced)
        assert subjects == ["Undelivered Mail Returned to Sender"]
        account = await store.account_by_address("alice@example.test")
        assert account is not None
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        bounce = await store.message(
            account.id, (await store.messages(account.id, inbox.id)).items[0].id
        )
        content_type = next(v for n, v in bounce.headers if n.lower() == "content-type")
        assert content_type.startswith("multipart/report; report-type=delivery-status")
        assert "nobody@remote.test" in bounce.text_body and "550" in bounce.text_body
        assert smarthost.accepted == []
    finally:
        await store.close()


async def test_unknown_address_at_a_hosted_domain_bounces_without_smtp(
    smarthost: Smarthost, stack: Stack, send: object
) -> None:
    store = await accounts(stack, "alice@example.test")
    try:
        await send(make_raw(subject="Typo"), ["alcie@example.test"])  # type: ignore[operator]

        async def bounced() -> list[str]:
            return await inbox_subjects(store, "alice@example.test")

        assert await eventually(bounced) == ["Undelivered Mail Returned to Sender"]
        assert smarthost.accepted == [] and smarthost.attempts == {}
    finally:
        await store.close()


async def test_local_recipients_are_delivered_without_smtp(
    smarthost: Smarthost, stack: Stack, send: object
) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        await send(make_raw(subject="Internal memo"), ["bob@example.test", "carol@remote.test"])  # type: ignore[operator]

        async def bob_has_it() -> list[str]:
            return await inbox_subjects(store, "bob@example.test")

        assert await eventually(bob_has_it) == ["Internal memo"]

        async def carol_has_it() -> bool:
            return bool(smarthost.received_by("carol@remote.test"))

        await eventually(carol_has_it)
        assert all("bob@example.test" not in a.recipients for a in smarthost.accepted)
    finally:
        await store.close()


async def test_retries_end_with_a_bounce_after_the_retry_period(
    smarthost: Smarthost, stack: Stack, send: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stack read its settings already; this queues a message "queued" long ago instead.
    store = await accounts(stack, "alice@example.test")
    try:
        smarthost.script["slow@remote.test"].extend(["451 4.3.0 Later"] * 100)
        broker: NatsBroker = make_broker(stack.nats_url, "old-sender")
        await broker.connect()
        raw = make_raw(subject="Old news")
        blob_id = await FsBlobStore(stack.data_dir / "blobs").put(raw)
        await JetStreamPublisher(broker).publish(
            OutboundRequest(
                event_id=new_event_id(), mail_from="alice@example.test",
                recipients=["slow@remote.test"], blob_id=blob_id, size=len(raw),
                queued_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
        await broker.stop()

        async def bounced() -> list[str]:
            return await inbox_subjects(store, "alice@example.test")

        assert await eventually(bounced) == ["Undelivered Mail Returned to Sender"]
        account = await store.account_by_address("alice@example.test")
        assert account is not None
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        item = (await store.messages(account.id, inbox.id)).items[0]
        assert "4.4.7" in (await store.message(account.id, item.id)).text_body
    finally:
        await store.close()
