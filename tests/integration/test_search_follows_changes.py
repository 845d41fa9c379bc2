"""The index follows every change of a message, whoever makes it (F28-F33 on top of the
change journal): moved, re-tagged, marked read, deleted — found, or not, accordingly."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.passwords import hash_password
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_pipeline import eventually, send

PASSWORD = "correct horse battery"


async def test_moves_tags_flags_and_deletion_reach_the_index(stack: Stack) -> None:
    store = await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")
    try:
        await store.create_account("alice@example.test", hash_password(PASSWORD))
    finally:
        await store.close()
    raw = make_raw(subject="Platypus sighting", body="A platypus was seen near the river.\n")
    await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])
    api = f"{stack.http}/api/v1"
    basic = aiohttp.encode_basic_auth("alice@example.test", PASSWORD)
    async with aiohttp.ClientSession(headers={"Authorization": basic}) as http:

        async def found(query: str) -> list[dict[str, Any]]:
            async with http.get(f"{api}/search", params={"q": query}) as resp:
                assert resp.status == 200, await resp.text()
                items: list[dict[str, Any]] = (await resp.json())["items"]
                return items

        async def becomes(query: str, present: bool) -> None:
            async def settled() -> bool:
                return bool(await found(query)) == present

            await eventually(settled)

        await becomes("platypus is:unread", True)
        message_id = (await found("platypus"))[0]["id"]
        async with http.post(f"{api}/folders", json={"name": "Wildlife"}) as resp:
            folder_id = (await resp.json())["id"]
        async with http.patch(
            f"{api}/messages/{message_id}", json={"folder_id": folder_id, "unread": False}
        ) as resp:
            assert resp.status == 200, await resp.text()
        await becomes("platypus folder:Wildlife is:read", True)
        await becomes("platypus folder:Inbox", False)
        async with http.post(f"{api}/tags", json={"name": "rare", "color": "#00aa00"}) as resp:
            tag_id = (await resp.json())["id"]
        async with http.put(f"{api}/messages/{message_id}/tags/{tag_id}") as resp:
            assert resp.status == 200, await resp.text()
        await becomes("tag:rare", True)
        async with http.delete(f"{api}/messages/{message_id}/tags/{tag_id}") as resp:
            assert resp.status == 200, await resp.text()
        await becomes("tag:rare", False)
        async with http.delete(f"{api}/messages/{message_id}") as resp:  # to Trash
            assert resp.status == 200, await resp.text()
        await becomes("platypus folder:Trash", True)
        async with http.delete(f"{api}/messages/{message_id}", params={"permanent": "true"}):
            pass
        await becomes("platypus", False)
