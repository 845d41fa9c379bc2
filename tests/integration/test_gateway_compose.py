"""Composing over the HTTP API on the SQLite store and file blobs: drafts and templates
round-trip, replies and forwards, plan limits, and what a send hands to the bus (the
tests in test_sending.py follow it out through a real bus and SMTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData

from services.gateway import sending
from shared.events import OutboundRequest
from shared.mail.compose.readback import read_back
from shared.model import FolderRole, Plan
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, running_gateway


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def call(
    world: World, method: str, path: str, *, status: int = 200, who: Any = None, **kw: Any
) -> Any:
    headers = await world.auth(who) if who else await world.auth()
    headers.update(kw.pop("headers", {}))
    resp = await world.client.request(method, f"/api/v1{path}", headers=headers, **kw)
    body = await resp.json() if resp.status != 204 else None
    assert resp.status == status, body
    return body


async def upload(world: World, name: str, data: bytes, content_type: str) -> str:
    form = FormData(quote_fields=False)
    form.add_field("file", data, filename=name, content_type=content_type)
    body = await call(world, "POST", "/uploads", data=form, status=201)
    upload_id = body["uploads"][0]["id"]
    assert isinstance(upload_id, str)
    return upload_id


def editable(saved: dict[str, Any]) -> dict[str, Any]:
    """A saved composition as a client sends it back: without what the server adds."""
    body = {k: v for k, v in saved.items() if k not in {"id", "folder_id", "date", "from"}}
    body["attachments"] = [
        {k: a[k] for k in ("message_id", "part", "inline", "content_id")}
        for a in saved["attachments"]
    ]
    return body


def content(saved: dict[str, Any]) -> dict[str, Any]:
    """What must not change from one save to the next (ids and dates do)."""
    body = {k: v for k, v in saved.items() if k not in {"id", "folder_id", "date"}}
    body["attachments"] = [
        {k: v for k, v in a.items() if k != "message_id"} for a in saved["attachments"]
    ]
    return body


FULL = {
    "to": [{"name": "Bob Martin", "address": "bob@remote.test"}, "carol@remote.test"],
    "cc": ["Dédé <dede@remote.test>"],
    "bcc": ["secret@remote.test"],
    "subject": "Plan for Monday — ünïcode",
    "text": "First line\n\n  indented\nFrom the start\n.\ntrailing  \n",
    "html": '<p>First <b>line</b></p><p><img src="cid:logo@bureau"></p>',
    "priority": "low",
    "request_receipt": True,
    "in_reply_to": "<parent@remote.test>",
    "references": ["<root@remote.test>", "<parent@remote.test>"],
}


async def test_a_draft_round_trips_unchanged(world: World) -> None:
    logo = b"\x89PNG fake logo" * 50
    body = dict(FULL)
    body["attachments"] = [
        {"upload_id": await upload(world, "plan ✓.pdf", b"%PDF plan", "application/pdf")},
        {
            "upload_id": await upload(world, "logo.png", logo, "image/png"),
            "inline": True,
            "content_id": "<logo@bureau>",
        },
    ]
    saved = await call(world, "POST", "/drafts", json=body, status=201)
    drafts = await world.mailbox.folder_by_role(world.alice.id, FolderRole.DRAFTS)
    assert saved["folder_id"] == drafts.id
    assert [a["address"] for a in saved["to"]] == ["bob@remote.test", "carol@remote.test"]
    assert saved["to"][0]["name"] == "Bob Martin"
    assert saved["cc"] == [{"name": "Dédé", "address": "dede@remote.test"}]
    assert saved["bcc"] == [{"name": "", "address": "secret@remote.test"}]
    for key in ("subject", "text", "html", "priority", "request_receipt", "in_reply_to"):
        assert saved[key] == FULL[key], key
    assert saved["references"] == FULL["references"]
    assert [(a["filename"], a["content_type"], a["size"], a["inline"]) for a in
            saved["attachments"]] == [("logo.png", "image/png", len(logo), True),
                                      ("plan ✓.pdf", "application/pdf", 9, False)]  # fmt: skip
    assert saved["identity_id"] == (await world.mailbox.identities(world.alice.id))[0].id

    resumed = await call(world, "GET", f"/drafts/{saved['id']}")
    assert resumed == saved
    again = await call(world, "PUT", f"/drafts/{saved['id']}", json=editable(resumed))
    assert again["id"] != saved["id"]
    assert content(again) == content(saved)
    listing = (await world.mailbox.messages(world.alice.id, drafts.id)).items
    assert [m.id for m in listing] == [again["id"]]  # the previous version went
    part = await world.client.get(
        f"/api/v1/messages/{again['id']}/attachments/{again['attachments'][0]['part']}",
        headers=await world.auth(),
    )
    assert await part.read() == logo
    assert world.outbox.events == []  # saving sends nothing


async def test_a_template_makes_messages_without_changing(world: World) -> None:
    template = await call(
        world,
        "POST",
        "/templates",
        status=201,
        json={
            "subject": "Weekly report",
            "text": "Figures of the week:\n",
            "attachments": [
                {"upload_id": await upload(world, "form.csv", b"a,b\n1,2\n", "text/csv")}
            ],
        },
    )
    templates = await world.mailbox.folder_by_role(world.alice.id, FolderRole.TEMPLATES)
    assert template["folder_id"] == templates.id
    raw_before = await world.blobs.get(
        (await world.mailbox.message(world.alice.id, template["id"])).blob_id
    )

    new = await call(world, "GET", f"/compose?template_id={template['id']}")
    assert new["subject"] == "Weekly report" and new["text"] == "Figures of the week:\n"
    assert [a["filename"] for a in new["attachments"]] == ["form.csv"]
    new["to"] = ["bob@remote.test"]
    new["text"] += "42\n"
    del new["from"]
    new["attachments"] = [{k: a[k] for k in ("message_id", "part")} for a in new["attachments"]]
    await call(world, "POST", "/send", json=new, status=202)
    (event,) = world.outbox.events
    assert isinstance(event, OutboundRequest)
    sent = read_back(await world.blobs.get(event.blob_id))
    assert sent.text == "Figures of the week:\n42\n"
    assert [a.filename for a in sent.attachments] == ["form.csv"]

    # The template is as it was: same message, same bytes.
    kept = await world.mailbox.message(world.alice.id, template["id"])
    assert kept.folder_id == templates.id
    assert await world.blobs.get(kept.blob_id) == raw_before
    assert await call(world, "GET", f"/templates/{template['id']}") == template


async def test_reply_with_a_template(world: World) -> None:
    template = await call(
        world, "POST", "/templates", status=201, json={"text": "Thanks, received.\n"}
    )
    original = await world.deliver(
        world.alice, make_raw(subject="Invoice", message_id="<inv@example.net>")
    )
    answer = await call(world, "GET", f"/messages/{original}/reply?template_id={template['id']}")
    assert answer["subject"] == "Re: Invoice"
    assert answer["in_reply_to"] == "<inv@example.net>"
    assert answer["text"].startswith("Thanks, received.\n")
    assert "> Hello Alice," in answer["text"]


async def test_reply_all_leaves_the_user_out_and_keeps_the_others(world: World) -> None:
    raw = make_raw(
        sender="Bob Martin <bob@example.net>",
        to="alice@example.test, carol@example.net",
        subject="Re: Lunch",
        message_id="<lunch-2@example.net>",
        in_reply_to="<lunch-1@example.net>",
    )
    original = await world.deliver(world.alice, raw)
    one = await call(world, "GET", f"/messages/{original}/reply")
    assert [a["address"] for a in one["to"]] == ["bob@example.net"] and one["cc"] == []
    assert one["subject"] == "Re: Lunch"
    assert one["references"] == ["<lunch-1@example.net>", "<lunch-2@example.net>"]
    everyone = await call(world, "GET", f"/messages/{original}/reply?all=true")
    assert [a["address"] for a in everyone["cc"]] == ["carol@example.net"]


async def test_limits_of_the_plan_are_refused_with_what_limit(world: World) -> None:
    await world.mailbox.set_plan(Plan(name="small", messages_per_day=2, recipients_per_message=2))
    await world.mailbox.assign_plan(world.alice.id, "small")
    three = {"to": ["a@remote.test", "b@remote.test"], "bcc": ["c@remote.test"], "text": "x"}
    refused = await call(world, "POST", "/send", json=three, status=422)
    assert refused["error"]["code"] == "recipients_per_message"
    assert "2 recipients per message" in refused["error"]["message"]

    two = {"to": ["a@remote.test", "b@remote.test"], "text": "x"}
    await call(world, "POST", "/send", json=two, status=202)
    await call(world, "POST", "/send", json=two, status=202)
    refused = await call(world, "POST", "/send", json=two, status=429)
    assert refused["error"]["code"] == "messages_per_day"
    assert "2 messages a day" in refused["error"]["message"]
    assert len(world.outbox.events) == 2
    sent = await world.mailbox.folder_by_role(world.alice.id, FolderRole.SENT)
    assert (await world.mailbox.folder(world.alice.id, sent.id)).total == 2


async def sent_total(world: World) -> int:
    sent = await world.mailbox.folder_by_role(world.alice.id, FolderRole.SENT)
    return (await world.mailbox.folder(world.alice.id, sent.id)).total


async def test_the_same_idempotency_key_sends_once(world: World) -> None:
    body = {"to": ["bob@remote.test"], "subject": "Once", "text": "only once"}
    key = {"Idempotency-Key": "9b7c3c1e-retry"}
    headers = {**await world.auth(), **key}
    first = await world.client.post("/api/v1/send", json=body, headers=headers)
    again = await world.client.post(
        "/api/v1/send", json=dict(reversed(body.items())), headers=headers
    )
    assert first.status == again.status == 202
    assert await first.read() == await again.read()  # the stored answer, replayed
    assert await sent_total(world) == 1
    assert len(world.outbox.events) == 1  # the retry sent nothing


async def test_an_idempotency_key_reused_for_another_message_is_422(world: World) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = await call(
        world, "POST", "/send", json={"to": ["a@remote.test"]}, headers=key, status=202
    )
    other = {"to": ["a@remote.test"], "text": "something else"}
    reused = await call(world, "POST", "/send", json=other, headers=key, status=422)
    assert reused["error"]["code"] == "idempotency_key_reused"
    # Nor may the key send a draft; another account's key of the same name is its own.
    draft = await call(world, "POST", "/drafts", json=other, status=201)
    await call(world, "POST", f"/drafts/{draft['id']}/send", headers=key, status=422)
    bobs = await call(world, "POST", "/send", json=other, headers=key, who=BOB, status=202)
    assert bobs["id"] != first["id"]
    assert await sent_total(world) == 1
    assert len(world.outbox.events) == 2  # Alice's first message and Bob's


async def test_a_refused_send_gives_its_idempotency_key_back(world: World) -> None:
    key = {"Idempotency-Key": "k-2"}
    await call(world, "POST", "/send", json={"text": "nobody"}, headers=key, status=400)
    await call(world, "POST", "/send", json={"to": ["a@x.test"]}, headers=key, status=202)
    assert len(world.outbox.events) == 1


async def test_a_draft_sent_twice_with_a_key_is_sent_once(world: World) -> None:
    draft = await call(world, "POST", "/drafts", json={"to": ["a@remote.test"]}, status=201)
    key = {"Idempotency-Key": "k-3"}
    first = await call(world, "POST", f"/drafts/{draft['id']}/send", headers=key, status=202)
    again = await call(world, "POST", f"/drafts/{draft['id']}/send", headers=key, status=202)
    assert first == again and len(world.outbox.events) == 1
    # Sending with `draft_id` works the same way: the draft is gone after the first send.
    draft = await call(world, "POST", "/drafts", json={"to": ["b@remote.test"]}, status=201)
    body = {"to": ["b@remote.test"], "draft_id": draft["id"]}
    key = {"Idempotency-Key": "k-4"}
    first = await call(world, "POST", "/send", json=body, headers=key, status=202)
    assert await call(world, "POST", "/send", json=body, headers=key, status=202) == first
    assert len(world.outbox.events) == 2


async def test_an_idempotency_key_expires(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "IDEMPOTENCY_LIFETIME", timedelta(0))
    key = {"Idempotency-Key": "k-5"}
    body = {"to": ["a@remote.test"]}
    first = await call(world, "POST", "/send", json=body, headers=key, status=202)
    later = await call(world, "POST", "/send", json=body, headers=key, status=202)
    assert first["id"] != later["id"] and first["message_id"] != later["message_id"]
    assert len({e.event_id for e in world.outbox.events}) == 2


async def test_bad_sends_are_refused_clearly(world: World) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"text": "nobody"}, 400, "no_recipients"),
        ({"to": ["not an address"]}, 400, "invalid_address"),
        ({"to": ["a@remote.test"], "in_reply_to": "junk"}, 400, "invalid_field"),
        ({"to": ["a@remote.test"], "attachments": [{"upload_id": "nope"}]}, 404, "not_found"),
        ({"to": ["a@remote.test"], "attachments": [{"vcard": True, "upload_id": "x"}]}, 400,
         "invalid_field"),
        ({"to": ["a@remote.test"], "draft_id": "nope"}, 404, "not_found"),
        ({"to": ["a@remote.test"], "surprise": 1}, 400, "invalid_field"),
    ]  # fmt: skip
    for body, status, code in cases:
        answer = await call(world, "POST", "/send", json=body, status=status)
        assert answer["error"]["code"] == code, body
    assert world.outbox.events == []


async def test_other_accounts_things_cannot_be_sent_or_resumed(world: World) -> None:
    theirs = await world.deliver(
        world.bob, make_raw(subject="bob's", attachment=("x.bin", b"secret"))
    )
    stored = await world.mailbox.message(world.bob.id, theirs)
    bob_draft = await call(world, "POST", "/drafts", who=BOB, json={"text": "mine"}, status=201)
    bob_upload = await world.mailbox.identities(
        world.bob.id
    )  # any id of Bob's is as unknown to Alice as one that never existed
    cases = [
        ("POST", "/send", {"to": ["a@remote.test"], "attachments": [
            {"message_id": theirs, "part": stored.attachments[0].part}]}),
        ("POST", "/send", {"to": ["a@remote.test"], "draft_id": bob_draft["id"]}),
        ("POST", "/send", {"to": ["a@remote.test"], "identity_id": bob_upload[0].id}),
        ("GET", f"/drafts/{bob_draft['id']}", None),
        ("POST", f"/drafts/{bob_draft['id']}/send", None),
        ("GET", f"/compose?template_id={bob_draft['id']}", None),
        ("GET", f"/messages/{theirs}/reply", None),
        ("GET", f"/messages/{theirs}/forward", None),
    ]  # fmt: skip
    for method, path, body in cases:
        answer = await call(world, method, path, json=body, status=404)
        assert answer == {"error": {"code": "not_found", "message": "no such resource"}}
    # A message of one's own that is not a draft is not a draft either.
    own = await world.deliver(world.alice, make_raw(subject="inbox mail"))
    await call(world, "GET", f"/drafts/{own}", status=404)
    assert world.outbox.events == []


async def test_receipts_always_requested_by_preference_and_priority_normal_by_default(
    world: World,
) -> None:
    body = {"to": ["bob@remote.test"], "text": "x"}
    await call(world, "POST", "/send", json=body, status=202)
    await call(world, "PATCH", "/preferences", json={"always_request_receipt": True})
    assert (await call(world, "GET", "/compose"))["request_receipt"] is True
    await call(world, "POST", "/send", json=body, status=202)
    await call(world, "POST", "/send", json={**body, "request_receipt": False}, status=202)
    raws = [await world.blobs.get(e.blob_id) for e in world.outbox.events]  # type: ignore[attr-defined]
    receipts = [read_back(raw).receipt_to for raw in raws]
    assert [r.address if r else None for r in receipts] == [None, "alice@example.test", None]
    assert all(b"X-Priority" not in raw and b"Importance" not in raw for raw in raws)


async def test_an_account_blocked_by_the_administrator_cannot_send(world: World) -> None:
    await world.mailbox.set_submission_blocked(world.alice.id, True)
    refused = await call(world, "POST", "/send", json={"to": ["b@remote.test"]}, status=403)
    assert refused["error"]["code"] == "submission_blocked"
    assert world.outbox.events == []
    await world.mailbox.set_submission_blocked(world.alice.id, False)
    await call(world, "POST", "/send", json={"to": ["b@remote.test"]}, status=202)
