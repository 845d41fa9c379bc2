"""Domain objects (`shared.model`) → API response models (`schemas`)."""

from __future__ import annotations

from services.gateway.html import sanitise_html
from services.gateway.schemas import (
    AddressOut,
    AttachmentOut,
    FolderOut,
    MessageDetail,
    MessageItem,
    SearchItem,
)
from shared.model import Address, Folder, MessageSummary, StoredMessage
from shared.ports import SearchHit


def folder_out(folder: Folder) -> FolderOut:
    return FolderOut(
        id=folder.id,
        name=folder.name,
        role=folder.role,
        parent_id=folder.parent_id,
        total=folder.total,
        unread=folder.unread,
    )


def address_out(address: Address | None) -> AddressOut | None:
    return None if address is None else AddressOut(name=address.name, address=address.address)


def message_item(summary: MessageSummary) -> MessageItem:
    return MessageItem(
        id=summary.id,
        subject=summary.subject,
        sender=summary.sender.display() if summary.sender else "",
        from_address=address_out(summary.sender),
        to=[address.display() for address in summary.to],
        date=summary.date,
        unread=summary.unread,
        flagged=summary.flagged,
        has_attachments=summary.has_attachments,
        size=summary.size,
        thread_id=summary.thread_id,
    )


def message_detail(message: StoredMessage) -> MessageDetail:
    return MessageDetail(
        id=message.id,
        folder_id=message.folder_id,
        thread_id=message.thread_id,
        headers=message.headers,
        subject=message.subject,
        sender=message.sender.display() if message.sender else "",
        from_address=address_out(message.sender),
        to=[address.display() for address in message.to],
        cc=[address.display() for address in message.cc],
        date=message.date,
        received_at=message.received_at,
        unread=message.unread,
        flagged=message.flagged,
        size=message.size,
        text=message.text_body,
        html=sanitise_html(message.html_body),
        attachments=[
            AttachmentOut(
                part=a.part, filename=a.filename, content_type=a.content_type, size=a.size
            )
            for a in message.attachments
        ],
    )


def search_item(hit: SearchHit) -> SearchItem:
    return SearchItem(
        id=hit.message_id,
        folder_id=hit.folder_id,
        subject=hit.subject,
        sender=hit.sender,
        date=hit.date,
    )
