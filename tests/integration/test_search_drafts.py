"""A draft saved many times quickly, over HTTP on the whole stack: once the search service
has applied every change, search finds the last version only.

Each save stores a new version and then destroys the previous one, so the journal holds
`message.added` of version k right before `message.removed` of version k-1. The search
service applies changes with several workers; the addition reads the blob and extracts the
text of the attachments (slow), the removal does not, so a removal often lands first. It
must still win: the index keeps a tombstone with the removal's modseq.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import nats
import pytest

from shared.streams import MAILBOX
from tests.conftest import Stack
from tests.factories import make_pdf
from tests.integration.test_outbound import accounts
from tests.integration.test_pipeline import eventually

PASSWORD = "correct horse"
SAVES = 20
# Text worth extracting, so that indexing an addition takes a while.
NOTES = "".join(f"line {n} of the travel notes, gondola timetable\n" for n in range(8000))


class Api:
    def __init__(self, http: aiohttp.ClientSession, base: str, token: str) -> None:
        self.http, self.base = http, base
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, *, status: int = 200, **kwargs: Any) -> Any:
        async with self.http.request(
            method, f"{self.base}/api/v1{path}", headers=self.headers, **kwargs
        ) as resp:
            body = await resp.json()
            assert resp.status == status, body
            return body

    async def upload(self, name: str, data: bytes, content_type: str) -> str:
        form = aiohttp.FormData()
        form.add_field("file", data, filename=name, content_type=content_type)
        body = await self.call("POST", "/uploads", data=form, status=201)
        upload_id: str = body["uploads"][0]["id"]
        return upload_id

    async def search(self, q: str) -> list[str]:
        page = await self.call("GET", "/search", params={"q": q})
        return [item["id"] for item in page["items"]]


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[Api]:
    store = await accounts(stack, "alice@example.test")
    await store.close()
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{stack.http}/api/v1/session",
            json={"address": "alice@example.test", "password": PASSWORD},
        ) as resp:
            assert resp.status == 200
            token = (await resp.json())["token"]
        yield Api(http, stack.http, token)


async def search_idle(stack: Stack) -> None:
    """Until the search service has settled every mailbox change published so far."""
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()

        async def idle() -> bool:
            info = await js.consumer_info(MAILBOX.name, "search")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(idle, timeout=60)
    finally:
        await nc.close()


def composition(version: int, attachments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "to": ["bob@remote.test"],
        "subject": "Venice itinerary",
        "text": f"Draft version{version} of the itinerary.\n",
        "attachments": attachments,
    }


async def test_a_draft_saved_twenty_times_is_found_once_in_its_last_version(
    stack: Stack, api: Api
) -> None:
    attachments: list[dict[str, Any]] = [
        {"upload_id": await api.upload("notes.txt", NOTES.encode(), "text/plain")},
        {"upload_id": await api.upload("plan.pdf", make_pdf("gondola plan"), "application/pdf")},
    ]
    saved = await api.call("POST", "/drafts", json=composition(0, attachments), status=201)
    versions = [saved["id"]]
    for version in range(1, SAVES):
        # As an editing client does: the attachments are the previous version's parts.
        kept = [{"message_id": a["message_id"], "part": a["part"]} for a in saved["attachments"]]
        saved = await api.call("PUT", f"/drafts/{saved['id']}", json=composition(version, kept))
        versions.append(saved["id"])
    last = versions[-1]
    assert len(set(versions)) == SAVES

    async def indexed() -> bool:
        return last in await api.search("itinerary")

    await eventually(indexed, timeout=60)
    await search_idle(stack)

    assert await api.search("itinerary") == [last]
    assert await api.search("gondola") == [last]  # attachment text: the slow part
    assert await api.search(f"version{SAVES - 1}") == [last]
    for version in range(SAVES - 1):
        assert await api.search(f"version{version}") == [], f"version {version} came back"
