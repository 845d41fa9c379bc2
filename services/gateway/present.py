"""Domain objects (`shared.model`) → API response models (`schemas`)."""

from __future__ import annotations

from services.gateway.schemas import (
    AddressOut,
    AttachmentInfo,
    AttachmentOut,
    FolderOut,
    MessageItem,
    QuotaOut,
    SearchItem,
    TagOut,
)
from shared.model import Address, Attachment, Folder, MessageSummary, Quota, Tag
from shared.ports import SearchHit


def folder_out(folder: Folder) -> FolderOut:
    return FolderOut(
        id=folder.id,
        name=folder.name,
        role=folder.role,
        parent_id=folder.parent_id,
        total=folder.total,
        unread=folder.unread,
        unread_below=folder.unread_below,
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
        deleted=summary.deleted,
        answered=summary.answered,
        draft=summary.draft,
        receipt=summary.receipt,
        has_attachments=summary.has_attachments,
        has_comment=summary.has_comment,
        tags=summary.tags,
        size=summary.size,
        thread_id=summary.thread_id,
        folder_id=summary.folder_id,
    )


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        part=attachment.part,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
    )


def attachment_info(attachment: Attachment) -> AttachmentInfo:
    return AttachmentInfo(**attachment_out(attachment).model_dump(), inline=attachment.inline)


def tag_out(tag: Tag) -> TagOut:
    return TagOut(id=tag.id, name=tag.name, color=tag.color)


def quota_out(quota: Quota, *, sms_credit: int | None = None, sms_used: int = 0) -> QuotaOut:
    percent: float | None = None
    if quota.limit_bytes is not None:
        ratio = quota.used_bytes / quota.limit_bytes if quota.limit_bytes else 1.0
        percent = round(100 * ratio, 1)
    return QuotaOut(
        plan=quota.plan,
        used_bytes=quota.used_bytes,
        trash_bytes=quota.trash_bytes,
        limit_bytes=quota.limit_bytes,
        percent=percent,
        sms_credit=sms_credit,
        sms_used=sms_used,
    )


def search_item(hit: SearchHit, folder_name: str | None) -> SearchItem:
    return SearchItem(
        id=hit.message_id,
        folder_id=hit.folder_id,
        folder_name=folder_name,
        subject=hit.subject,
        sender=hit.sender,
        date=hit.date,
        snippet=hit.snippet,
        score=hit.score,
    )
