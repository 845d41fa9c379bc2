"""The search service: keeps the index in step with `mailbox.changed`."""

from __future__ import annotations

from faststream.nats import NatsBroker

from shared import bus
from shared.events import ChangeKind, MailboxChanged
from shared.mime import parse_message
from shared.model import MessageSummary
from shared.ports.blobs import BlobStore
from shared.ports.index import IndexDocument, SearchIndex
from shared.service import ConsumerService
from shared.settings import CommonSettings
from shared.streams import MAILBOX


def index_document(summary: MessageSummary, raw: bytes) -> IndexDocument:
    """What the index keeps of a message: its summary, and its text read from the raw bytes."""
    parsed = parse_message(raw)
    return IndexDocument(
        account_id=summary.account_id,
        message_id=summary.id,
        folder_id=summary.folder_id,
        subject=summary.subject,
        sender=summary.sender.display() if summary.sender else "",
        to=", ".join(a.display() for a in summary.to),
        cc=", ".join(a.display() for a in summary.cc),
        body=parsed.text_body or parsed.html_body,
        attachment_names=[a.filename for a in parsed.attachments],
        date=summary.date,
        size=summary.size,
        unread=summary.unread,
        flagged=summary.flagged,
        has_attachments=summary.has_attachments,
        modseq=summary.modseq,
    )


class SearchService(ConsumerService):
    name = "search"

    def __init__(self, settings: CommonSettings, *, index: SearchIndex, blobs: BlobStore) -> None:
        self._settings = settings
        self._index = index
        self._blobs = blobs

    def subscribe(self, broker: NatsBroker) -> None:
        bus.subscribe(
            broker,
            subject=f"{MailboxChanged.SUBJECT}.>",
            stream=MAILBOX,
            durable="search",
            model=MailboxChanged,
            handler=self.handle,
            max_deliver=self._settings.max_deliver,
            ack_wait=self._settings.ack_wait,
            # One at a time, in stream order: an account's changes must reach the index in
            # modseq order (an update applied before its add would be lost).
            workers=1,
        )

    async def handle(self, event: MailboxChanged) -> None:
        message_id, summary = event.message_id, event.message
        if message_id is None:
            return  # a folder change: the index follows its messages' own events
        if event.kind is ChangeKind.MESSAGE_REMOVED or summary is None:
            await self._index.delete(event.account_id, message_id)
        elif event.kind is ChangeKind.MESSAGE_ADDED:
            raw = await self._blobs.get(summary.blob_id)
            await self._index.upsert(index_document(summary, raw))
        else:
            await self._index.update_state(
                event.account_id,
                message_id,
                folder_id=summary.folder_id,
                unread=summary.unread,
                flagged=summary.flagged,
                modseq=event.modseq,
            )
