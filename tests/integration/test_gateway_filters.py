"""Mail filters over the HTTP API (F25-F27): CRUD, order, validation, ownership, a dry
run on a real message, and Sieve export and import (B2) of the filters and the vacation
setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.model import FolderRole
from tests.factories import make_raw
from tests.integration.gateway_support import BOB, World, call, running_gateway

FILTERS = "/api/v1/filters"
SIEVE = f"{FILTERS}/sieve"
NOT_FOUND = {"error": {"code": "not_found", "message": "no such resource"}}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


def rule(name: str, value: str = "invoice", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "conditions": [{"field": "subject", "operator": "contains", "value": value}],
        "actions": [{"kind": "flag"}],
        **extra,
    }


async def create(world: World, body: dict[str, Any], status: int = 201) -> Any:
    return await call(world, "POST", FILTERS, body=body, status=status)


async def names(world: World) -> list[str]:
    return [f["name"] for f in (await call(world, "GET", FILTERS))["filters"]]


async def test_create_read_replace_delete(world: World) -> None:
    assert await call(world, "GET", FILTERS) == {"filters": []}
    folder = await world.mailbox.create_folder(world.alice.id, "Bills", None)

    made = await create(
        world,
        rule("Bills", actions=[{"kind": "move", "folder_id": folder.id}, {"kind": "stop"}]),
    )
    assert made == {
        "id": made["id"],
        "name": "Bills",
        "enabled": True,
        "match": "all",
        "conditions": [
            {
                "field": "subject",
                "operator": "contains",
                "value": "invoice",
                "header": None,
                "negate": False,
            }
        ],
        "actions": [
            {"kind": "move", "folder_id": folder.id, "tag": None, "text": None, "addresses": []},
            {"kind": "stop", "folder_id": None, "tag": None, "text": None, "addresses": []},
        ],
        "position": 0,
    }
    assert await call(world, "GET", f"{FILTERS}/{made['id']}") == made
    assert await call(world, "GET", FILTERS) == {"filters": [made]}

    replaced = await call(
        world,
        "PUT",
        f"{FILTERS}/{made['id']}",
        body=rule("Receipts", "receipt", enabled=False, match="any"),
    )
    assert replaced["name"] == "Receipts"
    assert replaced["enabled"] is False
    assert replaced["match"] == "any"
    assert replaced["conditions"][0]["value"] == "receipt"
    assert [a["kind"] for a in replaced["actions"]] == ["flag"]
    assert replaced["position"] == 0

    await call(world, "DELETE", f"{FILTERS}/{made['id']}", status=204)
    assert await call(world, "GET", f"{FILTERS}/{made['id']}", status=404) == NOT_FOUND
    assert await call(world, "GET", FILTERS) == {"filters": []}


async def test_position_on_create_and_reorder(world: World) -> None:
    a = await create(world, rule("a"))
    b = await create(world, rule("b"))
    c = await create(world, rule("c", position=0))
    assert c["position"] == 0
    assert await names(world) == ["c", "a", "b"]

    answer = await call(world, "PUT", f"{FILTERS}/order", body={"ids": [b["id"], c["id"], a["id"]]})
    assert [(f["name"], f["position"]) for f in answer["filters"]] == [
        ("b", 0),
        ("c", 1),
        ("a", 2),
    ]
    assert await names(world) == ["b", "c", "a"]

    for ids in ([a["id"], b["id"]], [a["id"], a["id"], b["id"]], [a["id"], b["id"], c["id"], "x"]):
        error = await call(world, "PUT", f"{FILTERS}/order", body={"ids": ids}, status=422)
        assert error["error"]["code"] == "refused"
    assert await names(world) == ["b", "c", "a"]

    await call(world, "DELETE", f"{FILTERS}/{c['id']}", status=204)
    assert [f["position"] for f in (await call(world, "GET", FILTERS))["filters"]] == [0, 1]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"conditions": [{"field": "subject", "operator": "regex", "value": "(oops"}]}, "regular"),
        ({"actions": [{"kind": "forward", "addresses": ["not an address"]}]}, "e-mail"),
        ({"actions": [{"kind": "notify_email", "addresses": ["a@b@c"]}]}, "e-mail"),
        ({"actions": [{"kind": "tag", "tag": "   "}]}, "tag"),
        ({"actions": [{"kind": "move"}]}, "move needs its target"),
        ({"actions": []}, "actions"),
        ({"conditions": [{"field": "size", "operator": "contains", "value": "1"}]}, "size"),
        ({"conditions": [{"field": "subject", "operator": "is", "typo": 1}]}, "typo"),
        ({"surprise": True}, "surprise"),
        ({"position": -1}, "position"),
    ],
)
async def test_invalid_filters_are_refused(
    world: World, change: dict[str, Any], needle: str
) -> None:
    error = await create(world, rule("bad") | change, status=400)
    assert error["error"]["code"] == "invalid_field"
    assert needle in error["error"]["message"]
    assert await names(world) == []


async def test_addresses_and_tags_are_cleaned(world: World) -> None:
    made = await create(
        world,
        rule(
            "clean",
            actions=[
                {"kind": "forward", "addresses": [" Carol@Example.NET "]},
                {"kind": "tag", "tag": "  work "},
            ],
        ),
    )
    assert made["actions"][0]["addresses"] == ["carol@example.net"]
    assert made["actions"][1]["tag"] == "work"


async def test_folders_and_filters_of_another_account_are_not_found(world: World) -> None:
    bobs_folder = await world.mailbox.create_folder(world.bob.id, "Mine", None)
    move = rule("x", actions=[{"kind": "copy", "folder_id": bobs_folder.id}])
    assert await create(world, move, status=404) == NOT_FOUND
    nowhere = rule("y", actions=[{"kind": "move", "folder_id": "nope"}])
    assert await create(world, nowhere, status=404) == NOT_FOUND

    bobs = await call(world, "POST", FILTERS, body=rule("bob's"), status=201, who=BOB)
    path = f"{FILTERS}/{bobs['id']}"
    assert await call(world, "GET", path, status=404) == NOT_FOUND
    assert await call(world, "PUT", path, body=rule("taken"), status=404) == NOT_FOUND
    assert await call(world, "DELETE", path, status=404) == NOT_FOUND
    assert await call(world, "GET", path, who=BOB) == bobs
    error = await call(world, "PUT", f"{FILTERS}/order", body={"ids": [bobs["id"]]}, status=422)
    assert error["error"]["code"] == "refused"

    own = await create(world, rule("mine"))
    moved = rule("z", actions=[{"kind": "move", "folder_id": bobs_folder.id}])
    assert await call(world, "PUT", f"{FILTERS}/{own['id']}", body=moved, status=404) == NOT_FOUND


async def test_a_dry_run_on_a_real_message(world: World) -> None:
    message_id = await world.deliver(world.alice, make_raw(subject="Your invoice for May"))
    hit = await create(world, rule("invoices", actions=[{"kind": "flag"}, {"kind": "stop"}]))
    miss = await create(world, rule("newsletters", "newsletter"))
    after = await create(world, {"name": "everything", "actions": [{"kind": "mark_read"}]})

    answer = await call(world, "POST", f"{FILTERS}/test", body={"message_id": message_id})

    assert answer["message_id"] == message_id
    first, second, third = answer["filters"]
    assert first["id"] == hit["id"]
    assert first["matched"] is True
    assert first["skipped"] is None
    assert first["conditions"] == [{**hit["conditions"][0], "held": True}]
    assert [a["kind"] for a in first["actions"]] == ["flag", "stop"]
    assert second["id"] == miss["id"]
    assert second["matched"] is False
    assert second["skipped"] == "stopped"
    assert second["conditions"][0]["held"] is False
    assert second["actions"] == []
    assert (third["id"], third["matched"], third["skipped"]) == (after["id"], True, "stopped")
    assert third["actions"] == []

    # Nothing changed: the message is still unread and unflagged.
    stored = await world.mailbox.message(world.alice.id, message_id)
    assert not stored.flagged

    bobs_message = await world.deliver(world.bob, make_raw(subject="invoice"))
    for unknown in (bobs_message, "nope"):
        body = {"message_id": unknown}
        assert await call(world, "POST", f"{FILTERS}/test", body=body, status=404) == NOT_FOUND


async def test_sieve_export_then_import_round_trip(world: World) -> None:
    parent = await world.mailbox.create_folder(world.alice.id, "Lists", None)
    child = await world.mailbox.create_folder(world.alice.id, "Dev", parent.id)
    await create(
        world,
        {
            "name": "dev list",
            "match": "any",
            "conditions": [
                {"field": "list", "operator": "contains", "value": "dev.example.org"},
                {"field": "subject", "operator": "starts_with", "value": "[dev]"},
            ],
            "actions": [  # flags first, as Sieve writes them
                {"kind": "tag", "tag": "dev"},
                {"kind": "move", "folder_id": child.id},
                {"kind": "stop"},
            ],
        },
    )
    await create(
        world,
        {
            "name": "boss",
            "enabled": False,
            "conditions": [{"field": "from", "operator": "is", "value": "boss@example.net"}],
            "actions": [
                {"kind": "flag"},
                {"kind": "forward", "addresses": ["me@example.net"]},
                {"kind": "comment", "text": "from the boss"},
            ],
        },
    )
    before = (await call(world, "GET", FILTERS))["filters"]

    resp = await world.client.get(SIEVE, headers=await world.auth())
    assert resp.status == 200
    assert resp.content_type == "application/sieve"
    script = await resp.text()
    assert 'fileinto "Lists/Dev";' in script
    as_json = await call(world, "GET", f"{SIEVE}?format=json")
    assert as_json["script"] == script
    assert any("comment" in note for note in as_json["notes"])
    assert any("disabled" in note for note in as_json["notes"])
    bad = await call(world, "GET", f"{SIEVE}?format=xml", status=400)
    assert bad["error"]["code"] == "invalid_query"

    answer = await call(world, "POST", SIEVE, body={"script": script, "replace": True})
    assert answer["skipped"] == []

    def fields(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in f.items() if k != "id"} for f in filters]

    after = (await call(world, "GET", FILTERS))["filters"]
    assert fields(answer["filters"]) == fields(after) == fields(before)
    assert {f["id"] for f in after}.isdisjoint(f["id"] for f in before)

    appended = await call(world, "POST", SIEVE, body={"script": script})
    assert [f["position"] for f in appended["filters"]] == [2, 3]
    assert await names(world) == ["dev list", "boss", "dev list", "boss"]

    # Bob's folders are not Alice's: the same script files nothing for him.
    for_bob = await call(world, "POST", SIEVE, body={"script": script}, who=BOB)
    assert any("Lists/Dev" in part for part in for_bob["skipped"])


async def test_sieve_import_reports_what_it_leaves_out(world: World) -> None:
    script = "\n".join(
        [
            'require ["fileinto", "vacation", "regex"];',
            "# rule: away",
            'if header :contains "subject" "holiday" {',
            '    vacation "I am away";',
            "}",
            "# rule: nowhere",
            'if header :contains "subject" "x" {',
            '    fileinto "No/Such/Folder";',
            "}",
            "# rule: broken regex",
            'if header :regex "subject" "(oops" {',
            "    discard;",
            "}",
            "# rule: inbox",
            'if header :is "subject" "hello" {',
            '    fileinto "INBOX";',
            "}",
            "",
        ]
    )
    answer = await call(world, "POST", SIEVE, body={"script": script})

    assert [f["name"] for f in answer["filters"]] == ["inbox"]
    inbox = await world.mailbox.folder_by_role(world.alice.id, FolderRole.INBOX)
    assert answer["filters"][0]["actions"][0]["folder_id"] == inbox.id
    skipped = answer["skipped"]
    assert any("line 4" in part and "vacation" in part for part in skipped)
    assert any("No/Such/Folder" in part for part in skipped)
    assert any("broken regex" in part and "regular expression" in part for part in skipped)


async def test_sieve_syntax_error_names_the_line(world: World) -> None:
    await create(world, rule("kept"))
    script = 'require "fileinto";\nif header :is "subject" {\n  stop;\n'
    error = await call(world, "POST", SIEVE, body={"script": script, "replace": True}, status=400)
    assert error["error"]["code"] == "sieve_syntax"
    assert "line " in error["error"]["message"]
    assert await names(world) == ["kept"]


VACATION = "/api/v1/vacation"
JULY = {
    "enabled": True,
    "start": "2026-07-01",
    "end": "2026-07-31",
    "subject": "Away in July",
    "text": 'Back in August.\nUrgent: "ops@example.test".',
    "days": 3,
}


async def test_sieve_export_carries_the_vacation_and_import_sets_it(world: World) -> None:
    alias = "alice.smith@example.test"
    await world.mailbox.add_alias(world.alice.id, alias)
    await create(world, rule("stopper", actions=[{"kind": "stop"}]))
    assert await call(world, "PUT", VACATION, body=JULY) == JULY

    exported = await call(world, "GET", f"{SIEVE}?format=json")
    script = exported["script"]
    assert script.startswith('require ["date", "relational", "vacation"];')
    assert script.endswith(
        "# rule: vacation\n"
        'if allof (currentdate :value "ge" "date" "2026-07-01",'
        ' currentdate :value "le" "date" "2026-07-31") {\n'
        f'    vacation :days 3 :subject "Away in July" :addresses "{alias}"'
        ' "Back in August.\nUrgent: \\"ops@example.test\\".";\n'
        "}\n"
    )
    assert "vacation: other servers send no reply to mail a filter stops at" in exported["notes"]

    # Off: the export leaves it out, and importing the earlier script switches it on again,
    # replying afresh to every sender.
    await call(world, "PUT", VACATION, body={**JULY, "enabled": False})
    assert "vacation" not in (await call(world, "GET", f"{SIEVE}?format=json"))["script"]
    now = datetime(2026, 7, 2, tzinfo=UTC)
    assert await world.mailbox.claim_once(world.alice.id, "vacation:bob@example.net", now)

    answer = await call(world, "POST", SIEVE, body={"script": script, "replace": True})
    assert answer["vacation"] == JULY
    assert [f["name"] for f in answer["filters"]] == ["stopper"]
    assert answer["skipped"] == []  # :addresses named the account's own alias
    assert await call(world, "GET", VACATION) == JULY
    assert await world.mailbox.claim_once(world.alice.id, "vacation:bob@example.net", now)

    # A script without a vacation leaves the setting as it is.
    plain = await call(world, "POST", SIEVE, body={"script": "keep;\n"})
    assert plain["vacation"] is None
    assert await call(world, "GET", VACATION) == JULY


async def test_sieve_import_of_a_roundcube_vacation(world: World) -> None:
    script = "\n".join(
        [
            'require ["date", "relational", "vacation"];',
            "# rule:[Out of office]",
            'if allof (currentdate :zone "+0200" :value "ge" "date" "2026-08-03",',
            '          currentdate :zone "+0200" :value "le" "date" "2026-08-14")',
            "{",
            '\tvacation :subject "Holidays" "I am on holiday.";',
            "}",
            "",
        ]
    )
    answer = await call(world, "POST", SIEVE, body={"script": script})
    vacation = {
        "enabled": True,
        "start": "2026-08-03",
        "end": "2026-08-14",
        "subject": "Holidays",
        "text": "I am on holiday.",
        "days": 7,
    }
    assert answer["vacation"] == vacation
    assert answer["filters"] == []
    assert answer["skipped"] == [
        "line 3: time zone ignored: dates are UTC days",
        "line 4: time zone ignored: dates are UTC days",
    ]
    assert await call(world, "GET", VACATION) == vacation
