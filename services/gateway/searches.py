"""Running a query tree for one account: folder names resolved, the index asked once, the
hits presented with their folder's name (F28-F33)."""

from __future__ import annotations

from collections.abc import Sequence

from services.gateway.present import search_item
from services.gateway.schemas import ResultsQuery, SearchPage
from shared.mail.query import MAX_RESULTS, Node, resolve_folders
from shared.model import Folder
from shared.ports import SearchIndex


async def run_search(
    index: SearchIndex,
    account_id: str,
    query: Node,
    results: ResultsQuery,
    folders: Sequence[Folder],
) -> SearchPage:
    """One page of the account's matches. `folders` are the account's own: `folder:` names
    are matched against them only. The index gives everything shown: no message is read."""
    found = await index.search(
        account_id,
        resolve_folders(query, folders),
        limit=results.limit,
        offset=results.offset,
        sort=results.sort,
    )
    names = {folder.id: folder.name for folder in folders}
    return SearchPage(
        items=[search_item(hit, names.get(hit.folder_id)) for hit in found.items],
        total=found.total,
        capped=found.total > MAX_RESULTS,
    )
