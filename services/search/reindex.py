"""Rebuilding an account's index entries from the mailbox store (`bureau search reindex`)."""

from __future__ import annotations

from services.search.documents import index_document
from shared.model import Account
from shared.ports.blobs import BlobNotFound, BlobStore
from shared.ports.index import SearchIndex
from shared.ports.uses import ReindexMailbox

PAGE = 500


async def reindex_account(
    account: Account, *, mailbox: ReindexMailbox, index: SearchIndex, blobs: BlobStore
) -> int:
    """Clear the account's entries and index every message of every folder again; returns
    how many were indexed. Changes arriving meanwhile are applied by the search service
    as usual (an upsert never goes back to an older modseq)."""
    await index.clear(account.id)
    indexed = 0
    for folder in await mailbox.folders(account.id):
        offset = 0
        while True:
            page = await mailbox.messages(account.id, folder.id, offset=offset, limit=PAGE)
            for summary in page.items:
                try:
                    raw = await blobs.get(summary.blob_id)
                except BlobNotFound:
                    raw = b""  # keep it findable by its headers at least
                await index.upsert(index_document(summary, raw))
                indexed += 1
            offset += PAGE
            if offset >= page.total or not page.items:
                break
    return indexed
