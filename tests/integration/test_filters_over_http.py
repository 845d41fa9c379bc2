"""Filters end to end over the public interfaces only (F25-F27, "Automation"): mail comes in
over SMTP, filters and folders are set up over the HTTP API, and every effect — of each
condition, each action (notify aside: test_notify.py) and their order — is read back over
the HTTP API. Every part is real: nats-server, the services in-process, SQLite.

Each check has a counterpart that must not match (a near miss of the same condition, a
message no filter touches), so a condition or action that does too much fails as surely as
one that does nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.passwords import hash_password
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_pipeline import send
from tests.integration.test_sending import Client

PASSWORD = "correct horse"
DEADLINE = 20.0  # seconds for asynchronous effects to show; reached at once when correct
ALICE = "alice@example.test"
BOB = "bob@example.test"


class Api(Client):
    """One signed-in account's view of the HTTP API."""

    async def folders(self) -> dict[str, dict[str, Any]]:
        """Folders by role for system ones ("inbox", "trash"), by name for the user's."""
        return {f["role"] or f["name"]: f for f in await self.call("GET", "/folders")}

    async def create_folder(self, name: str) -> str:
        made = await self.call("POST", "/folders", json={"name": name}, status=201)
        folder_id = made["id"]
        assert isinstance(folder_id, str)
        return folder_id

    async def listed(self, folder_id: str) -> dict[str, dict[str, Any]]:
        """A folder's messages by subject (subjects are unique within a test)."""
        page = await self.call("GET", f"/folders/{folder_id}/messages", params={"per_page": "500"})
        items = {m["subject"]: m for m in page["items"]}
        assert len(items) == len(page["items"]) == page["total"], page
        return items

    async def holding(
        self,
        folder_id: str,
        *subjects: str,
        settled: Callable[[dict[str, dict[str, Any]]], bool] = lambda _: True,
    ) -> dict[str, dict[str, Any]]:
        """The folder's listing once it holds at least `subjects` and `settled` says the
        rest of the delivery landed too (the store tags and comments a message just after
        storing it). At the deadline, the listing as it is: the caller's asserts then
        show what is wrong."""
        deadline = asyncio.get_running_loop().time() + DEADLINE
        while True:
            items = await self.listed(folder_id)
            if set(subjects) <= set(items) and settled(items):
                return items
            if asyncio.get_running_loop().time() > deadline:
                assert set(subjects) <= set(items), (subjects, list(items))
                return items
            await asyncio.sleep(0.05)

    async def message(self, message_id: str) -> dict[str, Any]:
        detail = await self.call("GET", f"/messages/{message_id}")
        assert isinstance(detail, dict)
        return detail

    async def add_filter(self, name: str, *actions: dict[str, Any], **fields: Any) -> str:
        made = await self.call(
            "POST", "/filters", json={"name": name, "actions": list(actions), **fields}, status=201
        )
        filter_id = made["id"]
        assert isinstance(filter_id, str)
        return filter_id


def cond(field: str, operator: str | None, value: str = "", **extra: Any) -> dict[str, Any]:
    return {"field": field, "operator": operator, "value": value, **extra}


def subject_has(words: str) -> list[dict[str, Any]]:
    return [cond("subject", "contains", words)]


def tag(name: str) -> dict[str, Any]:
    return {"kind": "tag", "tag": name}


def mail(subject: str, *headers: str, **fields: Any) -> bytes:
    """A message as `make_raw` builds it, with extra header lines on top."""
    top = "".join(f"{line}\r\n" for line in headers).encode()
    return top + make_raw(subject=subject, **fields)


async def deliver(stack: Stack, raw: bytes, *rcpt: str) -> None:
    refused = await asyncio.to_thread(send, stack.smtp_port, raw, list(rcpt) or [ALICE])
    assert refused == {}


@pytest.fixture
async def users(stack: Stack) -> AsyncIterator[tuple[Stack, Api, Api]]:
    """Alice and Bob, signed in over HTTP (accounts are made by the operator's tooling,
    which writes to the store, as `bureau account create` does)."""
    store = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    try:
        for address in (ALICE, BOB):
            await store.create_account(address, hash_password(PASSWORD))
    finally:
        await store.close()
    async with aiohttp.ClientSession() as http:
        apis = []
        for address in (ALICE, BOB):
            async with http.post(
                f"{stack.http}/api/v1/session", json={"address": address, "password": PASSWORD}
            ) as resp:
                assert resp.status == 200
                token = (await resp.json())["token"]
            apis.append(Api(http, stack.http, {"Authorization": f"Bearer {token}"}))
        yield stack, apis[0], apis[1]


async def test_each_condition_field_operator_negation_and_all_or_any(
    users: tuple[Stack, Api, Api],
) -> None:
    stack, alice, _ = users
    # One filter per condition, each tagging with its own name: a message's tags are then
    # exactly the conditions that held for it.
    await alice.add_filter(
        "from", tag("from"), conditions=[cond("from", "is", "carol@partner.example")]
    )
    await alice.add_filter(
        "to-cc", tag("to-cc"), conditions=[cond("to_cc", "contains", "team@example.test")]
    )
    await alice.add_filter(
        "recipient",
        tag("recipient"),
        conditions=[cond("recipient", "matches", "alice+*@example.test")],
    )
    await alice.add_filter(
        "subject", tag("subject"), conditions=[cond("subject", "starts_with", "[ci]")]
    )
    await alice.add_filter(
        "header",
        tag("header"),
        conditions=[cond("header", "matches", "Buildbot ?.?", header="x-mailer")],
    )
    await alice.add_filter(
        "body", tag("body"), conditions=[cond("body", "regex", r"order\s+#\d{4}\b")]
    )
    await alice.add_filter("big", tag("big"), conditions=[cond("size", "over", "20000")])
    await alice.add_filter(
        "attachment", tag("attachment"), conditions=[cond("has_attachment", None)]
    )
    await alice.add_filter("priority", tag("priority"), conditions=[cond("priority", "is", "high")])
    await alice.add_filter(
        "list", tag("list"), conditions=[cond("list", "contains", "dev.example.org")]
    )
    await alice.add_filter("any-list", tag("any-list"), conditions=[cond("list", "exists")])
    billing = [cond("subject", "contains", "invoice"), cond("from", "contains", "billing@")]
    both = await alice.add_filter("all", tag("all"), match="all", conditions=billing)
    either = await alice.add_filter("any", tag("any"), match="any", conditions=billing)
    await alice.add_filter(
        "unpaid",
        tag("unpaid"),
        conditions=[
            cond("subject", "contains", "invoice"),
            cond("body", "contains", "paid", negate=True),
        ],
    )

    expected: dict[str, set[str]] = {}

    async def expect(
        tags: set[str], subject: str, *headers: str, rcpt: str = ALICE, **fields: Any
    ) -> None:
        expected[subject] = tags
        await deliver(stack, mail(subject, *headers, **fields), rcpt)

    # Nothing to match: no filter acts.
    await expect(set(), "Hello there")
    # From is, Cc contains, Subject starts with, a header matching wildcards, the body by
    # regex, high priority (X-Priority 1).
    await expect(
        {"from", "to-cc", "subject", "header", "body", "priority"},
        "[ci] build 42 failed",
        "Cc: Team <team@example.test>",
        "X-Mailer: Buildbot 3.1",
        "X-Priority: 1 (Highest)",
        sender="Carol <carol@partner.example>",
        body="Your order  #1234 has shipped.\n",
    )
    # Near misses of each of those: none holds.
    await expect(
        set(),
        "Re: [ci] build 42 failed",  # [ci] not at the start
        "Cc: team@example.org",  # not team@example.test
        "X-Mailer: Buildbot 3.10",  # `?` is one character, the pattern the whole value
        "X-Priority: 5 (Lowest)",
        sender="carol@partner.example.org",  # contains the address, is not it
        body="Your order #12 has shipped.\n",  # not four digits
    )
    # A list message reaching Alice only through the envelope (a plus-address), with an
    # attachment: any recipient, the list by name and by presence, has attachment.
    await expect(
        {"recipient", "list", "any-list", "attachment"},
        "Weekly digest",
        "List-Id: Dev list <dev.example.org>",
        rcpt="alice+lists@example.test",
        to="dev@dev.example.org",
        attachment=("notes.txt", b"small notes"),
    )
    # Another list, and over the size limit.
    await expect(
        {"any-list", "big"},
        "Users digest",
        "List-Id: <users.example.org>",
        to="users@users.example.org",
        body="lorem ipsum dolor sit amet\n" * 1000,
    )
    # All vs any, and negation: both conditions hold, and the body does not say "paid".
    await expect(
        {"all", "any", "unpaid"},
        "Invoice 7",
        sender="billing@shop.example",
        body="Please pay by Friday.\n",
    )
    # Only the subject holds: "any" matches, "all" does not; the negated body fails.
    await expect({"any"}, "Invoice 8", body="Already paid, thanks.\n")

    inbox = (await alice.folders())["inbox"]["id"]

    def tags_of(items: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
        return {subject: set(m["tags"]) for subject, m in items.items()}

    listed = await alice.holding(inbox, *expected, settled=lambda i: tags_of(i) == expected)
    assert tags_of(listed) == expected
    # Tagging acts on nothing else: every message still in the Inbox, unread, unflagged.
    assert all(m["unread"] and not m["flagged"] for m in listed.values())

    # The dry run over HTTP explains the all/any difference condition by condition.
    answer = await alice.call(
        "POST", "/filters/test", json={"message_id": listed["Invoice 8"]["id"]}
    )
    verdicts = {f["id"]: f for f in answer["filters"]}
    assert [c["held"] for c in verdicts[both]["conditions"]] == [True, False]
    assert verdicts[both]["matched"] is False
    assert [c["held"] for c in verdicts[either]["conditions"]] == [True, False]
    assert verdicts[either]["matched"] is True


async def test_each_action_move_copy_tag_comment_read_flag_forward_delete_discard_stop(
    users: tuple[Stack, Api, Api],
) -> None:
    stack, alice, bob = users
    builds = await alice.create_folder("Builds")
    receipts = await alice.create_folder("Receipts")
    await alice.add_filter(
        "ci",
        {"kind": "move", "folder_id": builds},
        tag("ci"),
        {"kind": "comment", "text": "from the build farm"},
        {"kind": "mark_read"},
        {"kind": "stop"},
        conditions=[cond("subject", "starts_with", "[ci]")],
    )
    # Would flag the [ci] message too, were it not for the STOP above.
    await alice.add_filter("builds", {"kind": "flag"}, conditions=subject_has("build"))
    await alice.add_filter(
        "receipts", {"kind": "copy", "folder_id": receipts}, conditions=subject_has("receipt")
    )
    await alice.add_filter(
        "to bob", {"kind": "forward", "addresses": [BOB]}, conditions=subject_has("for bob")
    )
    await alice.add_filter("newsletters", {"kind": "delete"}, conditions=subject_has("newsletter"))
    await alice.add_filter("prizes", {"kind": "discard"}, conditions=subject_has("prize"))

    for subject in (
        "[ci] build 42 failed",
        "Nightly build report",
        "Your receipt 991",
        "Minutes, for bob",
        "Weekly newsletter",
        "Lunch on Friday?",
    ):
        await deliver(stack, mail(subject))
    # Alice first in the envelope: her part (discarded, nothing published) is decided
    # before Bob's delivery is published, so once Bob has it Alice never will.
    await deliver(stack, mail("You won a prize", to=f"{ALICE}, {BOB}"), ALICE, BOB)

    folders = await alice.folders()
    inbox, trash = folders["inbox"]["id"], folders["trash"]["id"]

    # Move, tag, comment, mark read; STOP kept the flag filter from acting.
    (ci,) = (
        await alice.holding(
            builds,
            "[ci] build 42 failed",
            settled=lambda i: all(m["has_comment"] for m in i.values()),
        )
    ).values()
    assert ci["tags"] == ["ci"] and not ci["unread"] and not ci["flagged"]
    detail = await alice.message(ci["id"])
    assert detail["comment"] == "from the build farm"
    assert (detail["folder_id"], detail["tags"], detail["unread"]) == (builds, ["ci"], False)

    # Flag (and nothing else); copy (the message stays in the Inbox too); forward (kept);
    # and a message no filter matches, untouched.
    kept = await alice.holding(
        inbox, "Nightly build report", "Your receipt 991", "Minutes, for bob", "Lunch on Friday?"
    )
    copied = await alice.holding(receipts, "Your receipt 991")
    deleted = await alice.holding(trash, "Weekly newsletter")
    bobs_inbox = (await bob.folders())["inbox"]["id"]
    at_bob = await bob.holding(bobs_inbox, "Minutes, for bob", "You won a prize")

    assert set(kept) == {
        "Nightly build report",
        "Your receipt 991",
        "Minutes, for bob",
        "Lunch on Friday?",
    }
    flags = {s: (m["flagged"], m["unread"], m["tags"], m["has_comment"]) for s, m in kept.items()}
    assert flags == {
        "Nightly build report": (True, True, [], False),
        "Your receipt 991": (False, True, [], False),
        "Minutes, for bob": (False, True, [], False),
        "Lunch on Friday?": (False, True, [], False),
    }
    assert (await alice.message(kept["Lunch on Friday?"]["id"]))["comment"] is None
    assert set(copied) == {"Your receipt 991"}
    assert copied["Your receipt 991"]["id"] != kept["Your receipt 991"]["id"]
    # Delete: to Trash, otherwise as it came.
    assert set(deleted) == {"Weekly newsletter"}
    assert deleted["Weekly newsletter"]["unread"]
    # Forward: a local address gets it in its Inbox; discard did not touch Bob's copy.
    assert set(at_bob) == {"Minutes, for bob", "You won a prize"}
    forwarded = await bob.message(at_bob["Minutes, for bob"]["id"])
    assert forwarded["from"] == "Bob Martin <bob@example.net>"  # the original sender

    # Discard: the prize is nowhere in Alice's mailbox (and no folder holds an extra copy).
    everything: list[str] = []
    for folder in (await alice.folders()).values():
        everything += list(await alice.listed(folder["id"]))
    assert sorted(everything) == sorted(
        [
            "[ci] build 42 failed",
            "Nightly build report",
            "Your receipt 991",
            "Your receipt 991",
            "Minutes, for bob",
            "Lunch on Friday?",
            "Weekly newsletter",
        ]
    )
    counts = {name: (f["total"], f["unread"]) for name, f in (await alice.folders()).items()}
    assert counts["Builds"] == (1, 0) and counts["Receipts"] == (1, 1)


async def test_order_decides_and_the_matched_filters_show_on_the_message(
    users: tuple[Stack, Api, Api],
) -> None:
    stack, alice, _ = users
    invoices = await alice.create_folder("Invoices")
    archive = await alice.create_folder("Archive")
    urgent = await alice.add_filter(
        "urgent first", tag("urgent"), {"kind": "stop"}, conditions=subject_has("urgent")
    )
    to_invoices = await alice.add_filter(
        "invoices", {"kind": "move", "folder_id": invoices}, conditions=subject_has("invoice")
    )
    to_archive = await alice.add_filter(
        "archive", {"kind": "move", "folder_id": archive}, conditions=subject_has("invoice")
    )
    listed = await alice.call("GET", "/filters")
    assert [f["id"] for f in listed["filters"]] == [urgent, to_invoices, to_archive]

    # STOP first: the urgent invoice stays in the Inbox; of two MOVEs the later one wins.
    await deliver(stack, mail("Urgent: invoice 1"))
    await deliver(stack, mail("Invoice 1"))
    inbox = (await alice.folders())["inbox"]["id"]
    first_urgent = (
        await alice.holding(
            inbox, "Urgent: invoice 1", settled=lambda i: i["Urgent: invoice 1"]["tags"] != []
        )
    )["Urgent: invoice 1"]
    first_plain = (await alice.holding(archive, "Invoice 1"))["Invoice 1"]
    assert first_urgent["tags"] == ["urgent"]

    # The other way round: the archive move first, then the invoices move, STOP last.
    reordered = await alice.call(
        "PUT", "/filters/order", json={"ids": [to_archive, to_invoices, urgent]}
    )
    assert [f["id"] for f in reordered["filters"]] == [to_archive, to_invoices, urgent]
    assert [f["position"] for f in reordered["filters"]] == [0, 1, 2]
    assert (await alice.call("GET", "/filters")) == reordered
    await deliver(stack, mail("Urgent: invoice 2"))
    await deliver(stack, mail("Invoice 2"))
    moved = await alice.holding(
        invoices,
        "Urgent: invoice 2",
        "Invoice 2",
        settled=lambda i: i["Urgent: invoice 2"]["tags"] != [],
    )
    assert set(moved) == {"Urgent: invoice 2", "Invoice 2"}
    assert moved["Urgent: invoice 2"]["tags"] == ["urgent"] and moved["Invoice 2"]["tags"] == []
    assert set(await alice.listed(archive)) == {"Invoice 1"}
    assert set(await alice.listed(inbox)) == {"Urgent: invoice 1"}

    # The dry run over HTTP names what the filters (in today's order) do with a message.
    answer = await alice.call("POST", "/filters/test", json={"message_id": first_urgent["id"]})
    assert [(f["id"], f["matched"], f["skipped"]) for f in answer["filters"]] == [
        (to_archive, True, None),
        (to_invoices, True, None),
        (urgent, True, None),
    ]

    # The filters that matched at arrival, in run order, are kept on each message.
    want = {
        first_urgent["id"]: [urgent],
        first_plain["id"]: [to_invoices, to_archive],
        moved["Urgent: invoice 2"]["id"]: [to_archive, to_invoices, urgent],
        moved["Invoice 2"]["id"]: [to_archive, to_invoices],
    }
    details = {message_id: await alice.message(message_id) for message_id in want}
    assert {message_id: d.get("filters") for message_id, d in details.items()} == want
