"""A stored message → `MessageDetail`, its body rendered in a display mode (F18)."""

from __future__ import annotations

from email.message import Message

from services.gateway.display import DisplayMode, render
from services.gateway.endpoints import API
from services.gateway.html import sanitise_html
from services.gateway.present import address_out, attachment_out
from services.gateway.schemas import BodyOut, MessageDetail
from shared.model import StoredMessage


def attachment_url(message_id: str, part: str) -> str:
    return f"{API}/messages/{message_id}/attachments/{part}"


def cid_urls(message: StoredMessage) -> dict[str, str]:
    """`cid:` references (RFC 2392, without the angle brackets) → the attachment route."""
    return {
        a.content_id.strip().strip("<>"): attachment_url(message.id, a.part)
        for a in message.attachments
        if a.content_id
    }


def text_format(message: StoredMessage) -> tuple[bool, bool]:
    """(format=flowed, delsp=yes) of a text/plain message (RFC 3676). Only a single-part
    message's own header is kept by the store; a multipart's text part counts as fixed."""
    header = Message()
    header["Content-Type"] = next(
        (value for name, value in message.headers if name.lower() == "content-type"), ""
    )
    if header.get_content_type() != "text/plain":
        return False, False
    return _param(header, "format") == "flowed", _param(header, "delsp") == "yes"


def _param(header: Message, name: str) -> str:
    value = header.get_param(name)
    return value.strip().lower() if isinstance(value, str) else ""


def message_detail(message: StoredMessage, mode: DisplayMode) -> MessageDetail:
    """`original` is never inlined in JSON: the body falls back to filtered HTML and
    `original_url` names the sandboxed route that serves the HTML as sent."""
    original = mode is DisplayMode.ORIGINAL
    used = DisplayMode.FILTERED if original else mode
    flowed, delsp = text_format(message)
    rendered = render(
        used,
        text_body=message.text_body,
        html_body=message.html_body,
        cid_urls=cid_urls(message),
        flowed=flowed,
        delsp=delsp,
    )
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
        deleted=message.deleted,
        answered=message.answered,
        draft=message.draft,
        receipt=message.receipt,
        size=message.size,
        tags=message.tags,
        comment=message.comment,
        filters=message.filters,
        body=BodyOut(
            mode=used.value,
            kind=rendered.kind,
            content=rendered.body,
            blocked_remote_images=rendered.blocked_remote_images,
        ),
        original_url=f"{API}/messages/{message.id}/original"
        if original and message.html_body
        else None,
        text=message.text_body,
        html=sanitise_html(message.html_body),
        attachments=[attachment_out(a) for a in message.attachments],
    )
