"""The filters service acting on filter outcomes: `apply.decisions` (pure) and the service
on FastStream's in-memory TestNatsBroker (blob read once, none without filters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import cast

from faststream.nats import JStream, NatsBroker, TestNatsBroker

from services.filters.apply import decisions
from services.filters.forwarding import traced
from services.filters.service import FiltersService
from services.store.adapters.fs_blobs import FsBlobStore
from shared.events import MailDeliver, MailReceived, NotifyRequest, OutboundRequest, derived_id
from shared.filters import Action, ActionKind, Condition, FieldName, Filter, Operator
from shared.mail.filtering.engine import Notification, Outcome
from shared.model import Account, Folder, FolderRole, Forwarding, Preferences, Profile, Vacation
from shared.ports.mailbox import MailboxStore
from shared.runtime.bus import JetStreamPublisher
from shared.settings import CommonSettings
from shared.streams import MAIL, OUTBOUND
from tests.factories import make_raw

AT = datetime(2026, 1, 1, tzinfo=UTC)
ALICE = Account(id="a1", address="alice@example.test", password_hash="h", created_at=AT)


def received(rcpt: list[str], blob_id: str = "sha256-" + "1" * 64) -> MailReceived:
    return MailReceived(
        event_id="ev1",
        blob_id=blob_id,
        size=10,
        mail_from="bob@example.net",
        rcpt_to=rcpt,
        received_at=AT,
    )


def delivers(events: list[MailDeliver | OutboundRequest]) -> list[MailDeliver]:
    return [e for e in events if isinstance(e, MailDeliver)]


def test_no_filters_is_the_inbox_as_before() -> None:
    (only,) = decisions(received(["alice@example.test"]), ALICE, "alice@example.test")
    assert isinstance(only, MailDeliver)
    assert only.event_id == derived_id("ev1", "a1")
    assert only.folder_role == "inbox" and only.folder_id is None
    assert only.unread and not only.flagged
    assert only.tags == [] and only.comment is None and only.filters == []
    assert decisions(received(["alice@example.test"]), ALICE, "alice@example.test", Outcome()) == [
        only
    ]  # no match: the same


def test_move_tags_flags_comment_and_matched_filters() -> None:
    outcome = Outcome(
        folder_id="f-work",
        tags=["work", "ci"],
        comments=["first", "second"],
        mark_read=True,
        flag=True,
        matched=["flt1", "flt2"],
    )
    (only,) = decisions(received([]), ALICE, "alice+ci@example.test", outcome)
    assert isinstance(only, MailDeliver)
    assert only.folder_id == "f-work" and only.folder_role == "inbox"
    assert not only.unread and only.flagged
    assert only.tags == ["work", "ci"] and only.comment == "first\nsecond"
    assert only.filters == ["flt1", "flt2"]
    assert only.recipient == "alice+ci@example.test"
    assert only.received_event_id == "ev1" and only.mail_from == "bob@example.net"


def test_discard_publishes_nothing_but_forwards() -> None:
    discarded = Outcome(discard=True, copies=["f1"], folder_id="f2", matched=["x"])
    assert decisions(received([]), ALICE, "alice@example.test", discarded) == []
    discarded.forwards = ["me@elsewhere.example"]
    (only,) = decisions(received([]), ALICE, "alice@example.test", discarded)
    assert isinstance(only, OutboundRequest)


def test_delete_goes_to_trash_whatever_the_move() -> None:
    outcome = Outcome(delete=True, folder_id="f-work", tags=["junk"], matched=["d"])
    (only,) = decisions(received([]), ALICE, "alice@example.test", outcome)
    assert isinstance(only, MailDeliver)
    assert only.folder_role == "trash" and only.folder_id is None
    assert only.tags == ["junk"] and only.filters == ["d"]
    assert only.event_id == derived_id("ev1", "a1")


def test_copies_get_their_own_stable_ids() -> None:
    outcome = Outcome(folder_id="f-main", copies=["f-a", "f-main", "f-b"], tags=["t"])
    main, *copies = delivers(decisions(received([]), ALICE, "alice@example.test", outcome))
    assert main.folder_id == "f-main"
    assert [c.folder_id for c in copies] == ["f-a", "f-b"]  # not twice into f-main
    assert [c.event_id for c in copies] == [
        derived_id("ev1", "a1", "copy", "f-a"),
        derived_id("ev1", "a1", "copy", "f-b"),
    ]
    assert all(c.tags == ["t"] and c.received_event_id == "ev1" for c in copies)
    ids = {e.event_id for e in decisions(received([]), ALICE, "alice@example.test", outcome)}
    assert len(ids) == 3  # all distinct, and the same on a redelivery (derived)


def test_forward_resends_the_same_blob_from_the_account() -> None:
    event = received(["alice@example.test"])
    outcome = Outcome(forwards=["carol@remote.test", "dave@remote.test"], matched=["fw"])
    deliver, forward = decisions(event, ALICE, "alice@example.test", outcome)
    assert isinstance(deliver, MailDeliver) and deliver.folder_role == "inbox"
    assert isinstance(forward, OutboundRequest)
    assert forward.event_id == derived_id("ev1", "a1", "forward")
    assert forward.account_id == "a1" and forward.mail_from == "alice@example.test"
    assert forward.recipients == ["carol@remote.test", "dave@remote.test"]
    assert forward.blob_id == event.blob_id and forward.size == event.size
    assert forward.queued_at == AT and forward.attempt == 0


def test_notifications_ride_on_the_main_delivery_only() -> None:
    outcome = Outcome(
        notifications=[
            Notification("email", ()),
            Notification("sms", ("+32475123456",)),
        ],
        copies=["f-copy"],
        matched=["n"],
    )
    main, copy = delivers(decisions(received([]), ALICE, "alice@example.test", outcome))
    assert main.notify == [
        NotifyRequest(channel="email", addresses=[]),
        NotifyRequest(channel="sms", addresses=["+32475123456"]),
    ]
    assert copy.folder_id == "f-copy" and copy.notify == []
    # Discarded: no delivery, so nobody is notified.
    outcome.discard = True
    assert decisions(received([]), ALICE, "alice@example.test", outcome) == []


class _Mailbox:
    """What the filters service reads and claims, over fixed accounts, filters and
    preferences."""

    def __init__(
        self,
        accounts: list[Account],
        filters: dict[str, list[Filter]],
        preferences: dict[str, Preferences] | None = None,
    ) -> None:
        self._accounts = {a.address: a for a in accounts}
        self._filters = filters
        self._preferences = preferences or {}
        self.claims: dict[tuple[str, str], datetime] = {}

    async def account_by_address(self, address: str) -> Account | None:
        return self._accounts.get(address)

    async def filters(self, account_id: str) -> list[Filter]:
        return self._filters.get(account_id, [])

    async def preferences(self, account_id: str) -> Preferences:
        return self._preferences.get(account_id, Preferences())

    async def aliases(self, account_id: str) -> list[str]:
        return []

    async def profile(self, account_id: str) -> Profile:
        return Profile(full_name="Alice Smith")

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        return Folder(id=f"{account_id}-{role.value}", account_id=account_id, name=role.value)

    async def claim_once(
        self, account_id: str, key: str, now: datetime, *, every: timedelta | None = None
    ) -> bool:
        last = self.claims.get((account_id, key))
        if last is not None and (every is None or now - last < every):
            return False
        self.claims[(account_id, key)] = now
        return True

    async def release_once(self, account_id: str, prefix: str) -> int:
        gone = [k for k in self.claims if k[0] == account_id and k[1].startswith(prefix)]
        for k in gone:
            del self.claims[k]
        return len(gone)


class _CountingBlobs(FsBlobStore):
    reads = 0

    async def get(self, blob_id: str) -> bytes:
        self.reads += 1
        return await super().get(blob_id)


def _filter(id: str, account_id: str, subject: str, *actions: Action) -> Filter:
    return Filter(
        id=id,
        account_id=account_id,
        position=0,
        name=id,
        conditions=[Condition(field=FieldName.SUBJECT, operator=Operator.CONTAINS, value=subject)],
        actions=list(actions),
    )


async def _handle(
    tmp_path: Path,
    accounts: list[Account],
    filters: dict[str, list[Filter]],
    rcpt: list[str],
    *,
    preferences: dict[str, Preferences] | None = None,
    raws: list[bytes] | None = None,
) -> tuple[list[MailDeliver], list[OutboundRequest], int]:
    """Each of `raws` (one "[ci] build failed" message by default) received in turn."""
    blobs = _CountingBlobs(tmp_path / "blobs")
    broker = NatsBroker()
    mailbox = cast(MailboxStore, _Mailbox(accounts, filters, preferences))
    FiltersService(
        CommonSettings(),
        mailbox=mailbox,
        blobs=blobs,
        publisher=JetStreamPublisher(broker),
        hostname="mail.example.test",
    ).subscribe(broker)
    delivered: list[MailDeliver] = []
    forwarded: list[OutboundRequest] = []

    @broker.subscriber(MailDeliver.SUBJECT, stream=JStream(MAIL.name, declare=False))
    async def _deliveries(event: MailDeliver) -> None:
        delivered.append(event)

    @broker.subscriber(OutboundRequest.SUBJECT, stream=JStream(OUTBOUND.name, declare=False))
    async def _outbound(event: OutboundRequest) -> None:
        forwarded.append(event)

    async with TestNatsBroker(broker) as br:
        for i, raw in enumerate(raws or [make_raw(subject="[ci] build failed")]):
            event = received(rcpt, await blobs.put(raw)).model_copy(update={"event_id": f"ev{i}"})
            await br.publish(event.model_dump_json(), MailReceived.SUBJECT)
    return delivered, forwarded, blobs.reads


async def test_service_without_filters_reads_no_blob(tmp_path: Path) -> None:
    delivered, forwarded, reads = await _handle(tmp_path, [ALICE], {}, ["alice@example.test"])
    assert reads == 0 and forwarded == []
    assert [(d.account_id, d.folder_role, d.filters) for d in delivered] == [("a1", "inbox", [])]


async def test_service_applies_each_accounts_filters_reading_the_blob_once(
    tmp_path: Path,
) -> None:
    bob = Account(id="b1", address="bob@example.test", password_hash="h", created_at=AT)
    carol = Account(id="c1", address="carol@example.test", password_hash="h", created_at=AT)
    filters = {
        "a1": [
            _filter(
                "fa",
                "a1",
                "[ci]",
                Action(kind=ActionKind.MOVE, folder_id="f-ci"),
                Action(kind=ActionKind.TAG, tag="ci"),
                Action(kind=ActionKind.MARK_READ),
                Action(kind=ActionKind.FORWARD, addresses=["ops@remote.test"]),
            )
        ],
        "b1": [_filter("fb", "b1", "build", Action(kind=ActionKind.DISCARD))],
        "c1": [_filter("fc", "c1", "nothing like it", Action(kind=ActionKind.DELETE))],
    }
    delivered, forwarded, reads = await _handle(
        tmp_path,
        [ALICE, bob, carol],
        filters,
        ["alice@example.test", "bob@example.test", "carol@example.test"],
    )
    assert reads == 1
    by_account = {d.account_id: d for d in delivered}
    assert set(by_account) == {"a1", "c1"}  # bob's filter discarded his copy
    alice = by_account["a1"]
    assert alice.folder_id == "f-ci" and not alice.unread
    assert alice.tags == ["ci"] and alice.filters == ["fa"]
    carol_copy = by_account["c1"]
    assert carol_copy.folder_role == "inbox" and carol_copy.filters == []
    (forward,) = forwarded
    assert forward.mail_from == "alice@example.test"
    assert forward.recipients == ["ops@remote.test"]


async def test_an_account_blocked_from_sending_keeps_what_it_would_forward(
    tmp_path: Path,
) -> None:
    blocked = ALICE.model_copy(update={"submission_blocked": True})
    forward_only = _filter(
        "fw",
        "a1",
        "[ci]",
        Action(kind=ActionKind.FORWARD, addresses=["ops@remote.test"]),
        Action(kind=ActionKind.DISCARD),
    )
    delivered, forwarded, _ = await _handle(
        tmp_path, [blocked], {"a1": [forward_only]}, ["alice@example.test"]
    )
    assert forwarded == []
    assert [(d.account_id, d.folder_role, d.filters) for d in delivered] == [
        ("a1", "inbox", ["fw"])
    ]


VACATION = Preferences(vacation=Vacation(enabled=True, start=date(2025, 12, 31), subject="Away"))


async def test_service_replies_once_per_sender_from_the_null_sender(tmp_path: Path) -> None:
    raws = [make_raw(subject="first"), make_raw(subject="second")]
    delivered, outbound, _ = await _handle(
        tmp_path, [ALICE], {}, ["alice@example.test"], preferences={"a1": VACATION}, raws=raws
    )
    assert [d.account_id for d in delivered] == ["a1", "a1"]  # both stored as usual
    (reply,) = outbound
    assert reply.event_id == derived_id("ev0", "a1", "vacation")
    assert reply.mail_from == "" and reply.recipients == ["bob@example.net"]
    assert reply.account_id == "a1"
    data = await FsBlobStore(tmp_path / "blobs").get(reply.blob_id)
    assert b"Auto-Submitted: auto-replied\r\n" in data and b"Subject: Away\r\n" in data


async def test_service_sends_no_reply_for_discarded_spam_or_list_mail(tmp_path: Path) -> None:
    discard = _filter("d", "a1", "drop me", Action(kind=ActionKind.DISCARD))
    to_spam = _filter("s", "a1", "cheap", Action(kind=ActionKind.MOVE, folder_id="a1-spam"))
    raws = [
        make_raw(subject="drop me"),
        make_raw(subject="cheap pills"),
        make_raw(subject="list").replace(b"Subject:", b"List-Id: <team.example.net>\r\nSubject:"),
    ]
    delivered, outbound, _ = await _handle(
        tmp_path,
        [ALICE],
        {"a1": [discard, to_spam]},
        ["alice@example.test"],
        preferences={"a1": VACATION},
        raws=raws,
    )
    assert outbound == []
    assert [d.folder_id for d in delivered] == ["a1-spam", None]


async def test_service_forwards_automatically_and_warns_of_a_loop_once(tmp_path: Path) -> None:
    forwarding = Preferences(forwarding=Forwarding(address="bob@example.net"))
    looped = traced(make_raw(subject="came back"), "alice@example.test")
    delivered, outbound, _ = await _handle(
        tmp_path,
        [ALICE],
        {},
        ["alice@example.test"],
        preferences={"a1": forwarding},
        raws=[make_raw(subject="plain"), looped, looped.replace(b"came back", b"again")],
    )
    forward, *others = outbound
    assert others == []  # the looping messages were not sent on
    assert forward.event_id == derived_id("ev0", "a1", "forward")
    assert forward.recipients == ["bob@example.net"] and forward.mail_from == "alice@example.test"
    # The first message left the account; both looping ones stayed, and one warning came.
    assert sorted(d.event_id for d in delivered) == sorted(
        [derived_id("ev1", "a1"), derived_id("ev2", "a1"), derived_id("ev1", "a1", "forward-loop")]
    )
    (warning,) = [d for d in delivered if d.event_id == derived_id("ev1", "a1", "forward-loop")]
    data = await FsBlobStore(tmp_path / "blobs").get(warning.blob_id)
    assert b"From: Mail Delivery System <postmaster@mail.example.test>" in data
    assert warning.folder_role == "inbox" and warning.mail_from == ""
