"""Quota over SMTP (F58, F40) and the Trash lifecycle seen end to end: a folder tree
deleted and Trash emptied leaves no message, blob or index entry behind."""

from __future__ import annotations

import asyncio
import smtplib
from pathlib import Path

import aiohttp

from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.mail.query import parse
from shared.model import FolderRole, Plan, Selection
from shared.runtime.passwords import hash_password
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_pipeline import eventually, send

PASSWORD = "correct horse battery"


async def open_store(stack: Stack) -> SqliteMailboxStore:
    return await SqliteMailboxStore.open(stack.data_dir / "mailboxes.sqlite3")


def blob_files(stack: Stack) -> list[Path]:
    return [p for p in (stack.data_dir / "blobs").rglob("sha256-*") if p.is_file()]


async def test_full_mailbox_gets_452_and_other_recipients_do_not_care(stack: Stack) -> None:
    store = await open_store(stack)
    try:
        alice = await store.create_account("alice@example.test", hash_password(PASSWORD))
        bob = await store.create_account("bob@example.test", hash_password(PASSWORD))
        await store.set_plan(Plan(name="tiny", storage_bytes=2000))
        await store.assign_plan(alice.id, "tiny")
        raw = make_raw(body="x" * 3000)

        def transaction() -> None:
            with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as client:
                client.ehlo("client.example.net")
                assert client.mail("carol@example.net", [f"SIZE={len(raw)}"])[0] == 250
                code, reply = client.rcpt("alice@example.test")
                assert code == 452 and reply.startswith(b"4.2.2")
                assert client.rcpt("bob@example.test")[0] == 250
                assert client.data(raw)[0] == 250

        await asyncio.to_thread(transaction)
        bob_inbox = await store.folder_by_role(bob.id, FolderRole.INBOX)

        async def bob_has_it() -> bool:
            return (await store.messages(bob.id, bob_inbox.id)).total == 1

        await eventually(bob_has_it)
        assert (await store.quota(alice.id)).used_bytes == 0  # nothing half-delivered
    finally:
        await store.close()


async def test_trash_makes_room_for_new_mail(stack: Stack) -> None:
    store = await open_store(stack)
    try:
        alice = await store.create_account("alice@example.test", hash_password(PASSWORD))
        inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
        first = make_raw(subject="old news", body="y" * 4000)
        await asyncio.to_thread(send, stack.smtp_port, first, ["alice@example.test"])

        async def delivered(count: int) -> bool:
            return (await store.messages(alice.id, inbox.id)).total == count

        await eventually(lambda: delivered(1))
        old = (await store.messages(alice.id, inbox.id)).items[0]
        await store.trash_messages(alice.id, Selection.of(old.id))
        used = (await store.quota(alice.id)).used_bytes
        await store.set_plan(Plan(name="snug", storage_bytes=used + 1000))
        await store.assign_plan(alice.id, "snug")
        second = make_raw(subject="new mail", body="z" * 4000)
        refused = await asyncio.to_thread(send, stack.smtp_port, second, ["alice@example.test"])
        assert refused == {}  # Trash counts as room
        await eventually(lambda: delivered(1))
        trash = await store.folder_by_role(alice.id, FolderRole.TRASH)
        assert (await store.folder(alice.id, trash.id)).total == 0  # the old one made room
        quota = await store.quota(alice.id)
        assert quota.limit_bytes is not None and quota.used_bytes <= quota.limit_bytes
    finally:
        await store.close()


async def test_deleted_folder_tree_and_emptied_trash_leave_nothing(stack: Stack) -> None:
    store = await open_store(stack)
    index = await Fts5Index.open(stack.data_dir / "index.sqlite3")
    try:
        alice = await store.create_account("alice@example.test", hash_password(PASSWORD))
        for i in range(3):
            raw = make_raw(subject=f"project {i}", body=f"the quokka report number {i}\n")
            await asyncio.to_thread(send, stack.smtp_port, raw, ["alice@example.test"])

        async def indexed(count: int) -> bool:
            return (await index.search(alice.id, parse("quokka"))).total == count

        await eventually(lambda: indexed(3))
        assert len(blob_files(stack)) == 3
        api = f"{stack.http}/api/v1"
        basic = aiohttp.encode_basic_auth("alice@example.test", PASSWORD)
        async with aiohttp.ClientSession(headers={"Authorization": basic}) as http:
            async with http.post(f"{api}/folders", json={"name": "Projects"}) as r:
                assert r.status == 201, await r.text()
                top = (await r.json())["id"]
            async with http.post(f"{api}/folders", json={"name": "2026", "parent_id": top}) as r:
                sub = (await r.json())["id"]
            inbox = await store.folder_by_role(alice.id, FolderRole.INBOX)
            ids = [m.id for m in (await store.messages(alice.id, inbox.id)).items]
            for message_id, target in zip(ids, (top, sub, sub), strict=True):
                async with http.patch(
                    f"{api}/messages/{message_id}", json={"folder_id": target}
                ) as r:
                    assert r.status == 200, await r.text()
            async with http.delete(f"{api}/folders/{top}") as r:
                assert r.status == 200, await r.text()
            async with http.post(f"{api}/trash/empty") as r:
                assert r.status == 200, await r.text()
                emptied = await r.json()
            assert emptied["removed_messages"] == 3
        await eventually(lambda: indexed(0))

        async def no_blobs() -> bool:
            return not blob_files(stack)

        await eventually(no_blobs)
        assert await store.select(alice.id, Selection.of(*ids)) == []
        assert {f.name for f in await store.folders(alice.id)} == {
            "Inbox",
            "Sent",
            "Drafts",
            "Templates",
            "Trash",
            "Spam",
        }
        assert await store.orphan_blobs() == []
        assert await index.count(alice.id) == 0
    finally:
        await store.close()
        await index.close()
