"""The MongoDB mailbox store against the mailbox contract (skips without a server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.store.adapters.mongo import MongoMailboxStore
from tests.contracts.mailbox_contract import MailboxStoreContract
from tests.remote import fresh_database


class TestMongoMailboxStore(MailboxStoreContract):
    @pytest.fixture
    async def store(self, mongodb_uri: str) -> AsyncIterator[MongoMailboxStore]:
        async with fresh_database(mongodb_uri) as database:
            store = await MongoMailboxStore.open(mongodb_uri, database)
            try:
                yield store
            finally:
                await store.close()
