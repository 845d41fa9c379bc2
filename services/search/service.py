"""The search service: keeps the index in step with `mailbox.changed`, and forgets the
index's tombstones once no change they guard against can still arrive."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from faststream.nats import NatsBroker

from services.search.documents import index_document
from services.search.tombstones import TombstonePruner
from shared.events import ChangeKind, MailboxChanged
from shared.ports.blobs import BlobNotFound, BlobStore
from shared.ports.index import SearchIndex
from shared.runtime import bus
from shared.runtime.consumer_metrics import ConsumerMetrics
from shared.runtime.metrics import Registry
from shared.runtime.service import ConsumerService
from shared.settings import CommonSettings
from shared.streams import MAILBOX

log = logging.getLogger(__name__)


class SearchService(ConsumerService):
    name = "search"

    def __init__(
        self,
        settings: CommonSettings,
        *,
        index: SearchIndex,
        blobs: BlobStore,
        registry: Registry | None = None,
        pruner: TombstonePruner | None = None,
    ) -> None:
        self._settings = settings
        self._index = index
        self._blobs = blobs
        self._pruner = pruner or TombstonePruner(index)
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
            # whole message, the index never goes back to an older modseq, and a removal
            # leaves a tombstone that a slower addition cannot pass.
            workers=4,
            metrics=ConsumerMetrics(self._registry),
        )
        return [consumer]

    async def start(self) -> None:
        self._pruner.start()

    async def stop(self) -> None:
        await self._pruner.stop()

    async def handle(self, event: MailboxChanged) -> None:
        await self._apply(event)
        self._applied.inc(kind=event.kind.value)
        self._lag.set(max(0.0, (datetime.now(UTC) - event.at).total_seconds()))

    async def _apply(self, event: MailboxChanged) -> None:
        message_id, summary = event.message_id, event.message
        if message_id is None:
            return  # a folder change: the index follows its messages' own events
        if event.kind is ChangeKind.MESSAGE_REMOVED or summary is None:
            # The tombstone's modseq makes the removal win over a slower addition or
            # update of the message, applied after it by another worker.
            await self._index.delete(event.account_id, message_id, modseq=event.modseq)
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
        try:
            raw = await self._blobs.get(summary.blob_id)
        except BlobNotFound:
            # Most often removed since (its tombstone then refuses this addition); else
            # indexed by what the summary says, as a reindex does.
            log.info("message %s indexed without its text: blob %s is gone", message_id,
                     summary.blob_id)  # fmt: skip
            raw = b""
        await self._index.upsert(
            index_document(summary.model_copy(update={"modseq": event.modseq}), raw)
        )
