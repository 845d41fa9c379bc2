"""Ports: the storage and bus interfaces services depend on; adapters implement them."""

from shared.ports.blobs import BlobNotFound, BlobStore
from shared.ports.bus import EventPublisher
from shared.ports.index import IndexDocument, SearchHit, SearchIndex, SearchResults, SearchSort
from shared.ports.mailbox import (
    AccountExists,
    Conflict,
    LimitExceeded,
    MailboxStore,
    NotFound,
    Refused,
)

__all__ = [
    "AccountExists",
    "BlobNotFound",
    "BlobStore",
    "Conflict",
    "EventPublisher",
    "IndexDocument",
    "LimitExceeded",
    "MailboxStore",
    "NotFound",
    "Refused",
    "SearchHit",
    "SearchIndex",
    "SearchResults",
    "SearchSort",
]
