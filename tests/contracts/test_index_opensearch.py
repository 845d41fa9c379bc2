"""The OpenSearch index against the search index contract (skips without a server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.search.adapters.opensearch import OpenSearchIndex
from shared.ports.index import SearchIndex
from tests.contracts.index_contract import SearchIndexContract
from tests.remote import fresh_index_prefix


class TestOpenSearchIndex(SearchIndexContract):
    async def settle(self, index: SearchIndex) -> None:
        # Writes are searchable within the 500 ms refresh interval; the tests need them now.
        assert isinstance(index, OpenSearchIndex)
        await index.refresh()

    @pytest.fixture
    async def index(self, opensearch_url: str) -> AsyncIterator[OpenSearchIndex]:
        async with fresh_index_prefix(opensearch_url) as prefix:
            index = await OpenSearchIndex.open(opensearch_url, prefix)
            try:
                yield index
            finally:
                await index.close()
