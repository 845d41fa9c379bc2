"""The login records adapters against their contract: in memory, and in NATS key-value
buckets on a real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest

from bureau.nats_server import EmbeddedNats
from shared.ports.logins import MemoryLoginRecords
from shared.runtime.kv.logins import KvLoginRecords
from tests.contracts.login_records_contract import WINDOW, LoginRecordsContract


class TestMemoryLoginRecords(LoginRecordsContract):
    @pytest.fixture
    async def records(self) -> MemoryLoginRecords:
        return MemoryLoginRecords()


class TestKvLoginRecords(LoginRecordsContract):
    @pytest.fixture
    async def records(self, nats_server: EmbeddedNats) -> AsyncIterator[KvLoginRecords]:
        client = await nats.connect(nats_server.url)
        records = KvLoginRecords(lambda: client.jetstream(), window=WINDOW, known_for=86400.0)
        await records.prepare()
        yield records
        await client.close()
