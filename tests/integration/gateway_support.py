"""A gateway on real embedded adapters (SQLite mailbox, file blobs, FTS5), for the API tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_runner import BaseRunner

from services.gateway.app import create_app
from services.gateway.http_server import GatewayRunner
from services.search.adapters.fts5 import Fts5Index
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import Event, new_event_id
from shared.mail.mime import parse_message
from shared.model import Account, FolderRole, NewMessage, TagLimits
from shared.ports import IndexDocument
from shared.runtime.clients import TrustedProxies
from shared.runtime.passwords import hash_password_async
from shared.runtime.ratelimit import LoginThrottle

SECRET = b"test-secret-0123456789abcdef0123"
ALICE = ("alice@example.test", "correct horse battery staple")
BOB = ("bob@example.test", "tr0ub4dor&3")


class GatewayTestServer(TestServer):
    """aiohttp's test server, on the runner the gateway service uses."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return GatewayRunner(self.app, **kwargs)


class Outbox:
    """The bus port as the API tests see it: events the gateway published, in order. The
    tests that follow mail all the way out run the real bus (`tests/integration/
    test_sending.py`)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, event: Event, subject: str | None = None) -> None:
        self.events.append(event)


@dataclass
class World:
    client: TestClient[web.Request, web.Application]
    mailbox: SqliteMailboxStore
    index: Fts5Index
    blobs: FsBlobStore
    alice: Account
    bob: Account
    outbox: Outbox

    async def deliver(
        self,
        account: Account,
        raw: bytes,
        *,
        role: FolderRole = FolderRole.INBOX,
        received_at: datetime | None = None,
    ) -> str:
        """Put `raw` in a folder the way the pipeline does: blob, store, then index."""
        folder = await self.mailbox.folder_by_role(account.id, role)
        blob_id = await self.blobs.put(raw)
        delivery = await self.mailbox.deliver(
            NewMessage(
                event_id=new_event_id(),
                account_id=account.id,
                folder_id=folder.id,
                blob_id=blob_id,
                size=len(raw),
                received_at=received_at or datetime.now(UTC),
                parsed=parse_message(raw),
            )
        )
        stored = await self.mailbox.message(account.id, delivery.message_id)
        await self.index.upsert(
            IndexDocument(
                account_id=account.id,
                message_id=stored.id,
                folder_id=stored.folder_id,
                subject=stored.subject,
                sender=stored.sender.display() if stored.sender else "",
                to=", ".join(a.display() for a in stored.to),
                body=stored.text_body,
                attachment_names=[a.filename for a in stored.attachments],
                date=stored.date,
                size=stored.size,
                has_attachments=stored.has_attachments,
                modseq=stored.modseq,
            )
        )
        return stored.id

    async def token(self, credentials: tuple[str, str] = ALICE) -> str:
        address, password = credentials
        resp = await self.client.post(
            "/api/v1/session", json={"address": address, "password": password}
        )
        assert resp.status == 200, await resp.text()
        token = (await resp.json())["token"]
        assert isinstance(token, str)
        return token

    async def auth(self, credentials: tuple[str, str] = ALICE) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(credentials)}"}


_HASHES: dict[str, str] = {}


async def _hashed(password: str) -> str:
    """Argon2 is slow on purpose; the tests hash each password once per run."""
    if password not in _HASHES:
        _HASHES[password] = await hash_password_async(password)
    return _HASHES[password]


@contextlib.asynccontextmanager
async def running_gateway(
    tmp_path: Path,
    *,
    login_throttle: LoginThrottle | None = None,
    secret: bytes = SECRET,
    trusted_proxies: TrustedProxies | None = None,
    limits: TagLimits | None = None,
) -> AsyncIterator[World]:
    mailbox = await SqliteMailboxStore.open(tmp_path / "mailboxes.sqlite3", limits=limits)
    index = await Fts5Index.open(tmp_path / "index.sqlite3")
    blobs = FsBlobStore(tmp_path / "blobs")
    try:
        alice = await mailbox.create_account(ALICE[0], await _hashed(ALICE[1]))
        bob = await mailbox.create_account(BOB[0], await _hashed(BOB[1]))
        outbox = Outbox()
        app = create_app(
            mailbox=mailbox,
            index=index,
            blobs=blobs,
            publisher=outbox,
            secret=secret,
            login_throttle=login_throttle,
            trusted_proxies=trusted_proxies,
        )
        async with TestClient(GatewayTestServer(app)) as client:
            yield World(client, mailbox, index, blobs, alice, bob, outbox)
    finally:
        await index.close()
        await mailbox.close()
        await blobs.close()


async def call(
    world: World,
    method: str,
    path: str,
    *,
    body: Any = None,
    status: int = 200,
    who: tuple[str, str] = ALICE,
) -> Any:
    """One JSON request as `who`, checked for `status`; the JSON answer (None for 204)."""
    resp = await world.client.request(method, path, json=body, headers=await world.auth(who))
    assert resp.status == status, await resp.text()
    return None if status == 204 else await resp.json()
