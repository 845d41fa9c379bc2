"""A user's filters on incoming mail, every part real: SMTP in, the filters service over
nats-server, the SQLite store, and an aiosmtpd smarthost for forwards (F25-F27)."""

from __future__ import annotations

import asyncio

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.filters import Action, ActionKind, Condition, FieldName, FilterFields, Operator
from shared.model import FolderRole, MessageSummary
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.smarthost import Smarthost
from tests.integration.test_outbound import accounts, smarthost  # noqa: F401 - fixture
from tests.integration.test_pipeline import eventually, send

K = ActionKind


def subject_has(words: str, *actions: Action, name: str = "") -> FilterFields:
    return FilterFields(
        name=name or words,
        conditions=[Condition(field=FieldName.SUBJECT, operator=Operator.CONTAINS, value=words)],
        actions=list(actions),
    )


async def in_folder(
    store: SqliteMailboxStore, account_id: str, folder_id: str, count: int
) -> list[MessageSummary] | None:
    items = (await store.messages(account_id, folder_id)).items
    return items if len(items) == count else None


async def test_filters_move_tag_read_discard_delete_stop_and_order(stack: Stack) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        alice = await store.account_by_address("alice@example.test")
        bob = await store.account_by_address("bob@example.test")
        assert alice is not None and bob is not None
        builds = await store.create_folder(alice.id, "Builds", None)
        invoices = await store.create_folder(alice.id, "Invoices", None)
        archive = await store.create_folder(alice.id, "Archive", None)
        inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
        trash = await store.folder_by_role(alice.id, FolderRole.TRASH)
        ci = await store.create_filter(
            alice.id,
            subject_has(
                "[ci]",
                Action(kind=K.MOVE, folder_id=builds.id),
                Action(kind=K.TAG, tag="ci"),
                Action(kind=K.MARK_READ),
                Action(kind=K.COMMENT, text="from the build farm"),
                Action(kind=K.STOP),
            ),
        )
        await store.create_filter(alice.id, subject_has("build", Action(kind=K.FLAG)))
        await store.create_filter(alice.id, subject_has("prize", Action(kind=K.DISCARD)))
        newsletter = await store.create_filter(
            alice.id, subject_has("newsletter", Action(kind=K.DELETE))
        )
        to_invoices = await store.create_filter(
            alice.id, subject_has("invoice", Action(kind=K.MOVE, folder_id=invoices.id))
        )
        to_archive = await store.create_filter(
            alice.id, subject_has("invoice", Action(kind=K.MOVE, folder_id=archive.id))
        )

        for subject in ("[ci] build 42 failed", "Newsletter of the week", "Invoice 1"):
            raw = make_raw(subject=subject)
            await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])
        # Discarded for alice only: bob, later in the same envelope, still gets it.
        prize = make_raw(subject="You won a prize", to="alice@example.test, bob@example.test")
        await asyncio.to_thread(
            send, stack.smtp_port, prize, ["alice@example.test", "bob@example.test"]
        )

        # A subject filter moves, tags, marks read and comments; its STOP keeps the next
        # filter (which would flag it) from acting.
        (built,) = await eventually(lambda: in_folder(store, alice.id, builds.id, 1))
        assert built.tags == ["ci"] and not built.unread and not built.flagged
        stored = await store.message(alice.id, built.id)
        assert stored.comment == "from the build farm"
        assert stored.filters == [ci.id]

        # A delete filter puts the message in Trash.
        (deleted,) = await eventually(lambda: in_folder(store, alice.id, trash.id, 1))
        assert deleted.subject == "Newsletter of the week" and deleted.unread
        assert (await store.message(alice.id, deleted.id)).filters == [newsletter.id]

        # Two MOVEs: the later filter's wins.
        (invoice,) = await eventually(lambda: in_folder(store, alice.id, archive.id, 1))
        assert (await store.message(alice.id, invoice.id)).filters == [
            to_invoices.id,
            to_archive.id,
        ]
        # Order matters: the same two filters the other way round.
        ids = [f.id for f in await store.filters(alice.id)]
        ids.remove(to_archive.id)
        ids.insert(ids.index(to_invoices.id), to_archive.id)
        await store.reorder_filters(alice.id, ids)
        raw = make_raw(subject="Invoice 2")
        await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])
        (second,) = await eventually(lambda: in_folder(store, alice.id, invoices.id, 1))
        assert second.subject == "Invoice 2"

        bob_inbox = await store.folder_by_role(bob.id, FolderRole.INBOX)
        (kept,) = await eventually(lambda: in_folder(store, bob.id, bob_inbox.id, 1))
        assert kept.subject == "You won a prize" and kept.unread
        # Alice's part of that envelope was decided before bob's delivery was published,
        # and a discard publishes nothing: the prize is nowhere in her mailbox.
        assert (await store.messages(alice.id, inbox.id)).total == 0
        for folder in (builds, trash, archive, invoices):
            assert (await store.messages(alice.id, folder.id)).total == 1
    finally:
        await store.close()


async def test_forward_filter_resends_the_original_bytes_from_the_account(
    smarthost: Smarthost,  # noqa: F811 - the fixture imported above; set up before the stack
    stack: Stack,
) -> None:
    store = await accounts(stack, "alice@example.test")
    try:
        alice = await store.account_by_address("alice@example.test")
        assert alice is not None
        forward = await store.create_filter(
            alice.id,
            subject_has("for carol", Action(kind=K.FORWARD, addresses=["carol@remote.test"])),
        )
        raw = make_raw(subject="Minutes, for carol", sender="Bob <bob@example.net>")
        await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])

        async def forwarded() -> bool:
            return bool(smarthost.received_by("carol@remote.test"))

        await eventually(forwarded)
        (accepted,) = smarthost.accepted
        assert accepted.mail_from == "alice@example.test"  # the envelope: the forwarder
        assert accepted.recipients == ["carol@remote.test"]
        data = accepted.data.replace(b"\r\n", b"\n")
        assert data.endswith(raw.replace(b"\r\n", b"\n"))  # the original, after its trace
        assert b"From: Bob <bob@example.net>" in data  # the original sender stays visible

        inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
        (kept,) = await eventually(lambda: in_folder(store, alice.id, inbox.id, 1))
        assert (await store.message(alice.id, kept.id)).filters == [forward.id]
    finally:
        await store.close()


async def test_two_accounts_forwarding_to_each_other_pass_a_message_once_each(
    stack: Stack,
) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        alice = await store.account_by_address("alice@example.test")
        bob = await store.account_by_address("bob@example.test")
        assert alice is not None and bob is not None
        forward = FilterFields(
            name="forward everything",
            actions=[Action(kind=K.FORWARD, addresses=["bob@example.test"])],
        )
        await store.create_filter(alice.id, forward)
        back = forward.model_copy(
            update={"actions": [Action(kind=K.FORWARD, addresses=["alice@example.test"])]}
        )
        await store.create_filter(bob.id, back)
        alice_inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
        bob_inbox = await store.folder_by_role(bob.id, FolderRole.INBOX)

        raw = make_raw(subject="Round and round")
        await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])

        # Alice keeps it and forwards to Bob; Bob keeps it and forwards back; Alice sees
        # her own trace on it and keeps it instead of forwarding it again.
        await eventually(lambda: in_folder(store, alice.id, alice_inbox.id, 2))
        await eventually(lambda: in_folder(store, bob.id, bob_inbox.id, 1))
        await asyncio.sleep(1.0)  # time for a wrong extra round to show
        assert len((await store.messages(alice.id, alice_inbox.id)).items) == 2
        assert len((await store.messages(bob.id, bob_inbox.id)).items) == 1
        returned = [
            await store.message(alice.id, m.id)
            for m in (await store.messages(alice.id, alice_inbox.id)).items
        ]
        traces = sorted(
            len([v for n, v in m.headers if n == "X-Bureau-Forwarded"]) for m in returned
        )
        assert traces == [0, 2]
    finally:
        await store.close()
