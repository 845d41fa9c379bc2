"""The search service: keeps the index in step with `mailbox.changed`."""

from __future__ import annotations

from datetime import UTC, datetime

from faststream.nats import NatsBroker

from services.search.documents import index_document
from shared import bus
from shared.consumer_metrics import ConsumerMetrics
from shared.events import ChangeKind, MailboxChanged
from shared.metrics import Registry
from shared.ports.blobs import BlobStore
from shared.ports.index import SearchIndex
from shared.service import ConsumerService
from shared.settings import CommonSettings
from shared.streams import MAILBOX


class SearchService(ConsumerService):
    name = "search"

    def __init__(
        self,
        settings: CommonSettings,
        *,
        index: SearchIndex,
        blobs: BlobStore,
        registry: Registry | None = None,
    ) -> None:
        self._settings = settings
        self._index = index
        self._blobs = blobs
        self._registry = registry or Registry()
        self._lag = self._registry.gauge(
            "bureau_search_index_lag_seconds",
            "Time from a mailbox change to its indexing, for the latest change indexed",
        )
        self._applied = self._registry.counter(
            "bureau_search_changes_indexed_total",
            "Mailbox changes applied to the index, by kind",
            ("kind",),
        )
        self._applied.declare(kind=(kind.value for kind in ChangeKind))

    def subscribe(self, broker: NatsBroker) -> list[bus.Consumer]:
        consumer = bus.subscribe(
            broker,
            subject=f"{MailboxChanged.SUBJECT}.>",
            stream=MAILBOX,
            durable="search",
            model=MailboxChanged,
            handler=self.handle,
            max_deliver=self._settings.max_deliver,
            ack_wait=self._settings.ack_wait,
            # Several at once: an update that overtakes its message's addition indexes the
            # whole message, and the index never goes back to an older modseq.
            workers=4,
            metrics=ConsumerMetrics(self._registry),
        )
        return [consumer]

    async def handle(self, event: MailboxChanged) -> None:
        await self._apply(event)
        self._applied.inc(kind=event.kind.value)
        self._lag.set(max(0.0, (datetime.now(UTC) - event.at).total_seconds()))

    async def _apply(self, event: MailboxChanged) -> None:
        message_id, summary = event.message_id, event.message
        if message_id is None:
            return  # a folder change: the index follows its messages' own events
        if event.kind is ChangeKind.MESSAGE_REMOVED or summary is None:
            await self._index.delete(event.account_id, message_id)
            return
        if event.kind is ChangeKind.MESSAGE_UPDATED and await self._index.update_state(
            event.account_id,
            message_id,
            folder_id=summary.folder_id,
            unread=summary.unread,
            flagged=summary.flagged,
            tags=summary.tags,
            modseq=event.modseq,
        ):
            return
        # Added, or updated before its addition was indexed (changes are applied by several
        # workers at once): index the whole message at this change's modseq.
        raw = await self._blobs.get(summary.blob_id)
        await self._index.upsert(
            index_document(summary.model_copy(update={"modseq": event.modseq}), raw)
        )
