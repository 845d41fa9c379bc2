"""Messages: actions on selections, one message, its display and its attachments."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import actions, attachments, message_changes, messages
from services.gateway.schemas import (
    ActionRequest,
    ActionResult,
    AttachmentList,
    AttachmentQuery,
    DeleteQuery,
    DisplayQuery,
    MessageDetail,
    MessageItem,
    MessageUpdate,
    TrashEmptied,
)

_MESSAGE = f"{API}/messages/{{id}}"

MESSAGES: tuple[Endpoint, ...] = (
    private(
        "POST",
        f"{API}/messages/actions",
        actions.message_actions,
        "Act on a selection: read, unread, flag, unflag, move, copy, delete, restore,"
        " destroy, tag, untag",
        ActionResult,
        request=ActionRequest,
        errors=(404,),
    ),
    private(
        "POST",
        f"{API}/trash/empty",
        actions.empty_trash,
        "Empty the Trash: its messages and folders are removed for good",
        TrashEmptied,
    ),
    private(
        "GET",
        _MESSAGE,
        messages.get_message,
        "A message, its body rendered in a display mode, attachments, tags and comment",
        MessageDetail,
        query=DisplayQuery,
        errors=(404,),
    ),
    private(
        "PATCH",
        _MESSAGE,
        message_changes.update_message,
        "Mark read or unread, flag or unflag, move to a folder",
        MessageItem,
        request=MessageUpdate,
        errors=(404,),
    ),
    private(
        "DELETE",
        _MESSAGE,
        message_changes.delete_message,
        "Delete a message: to Trash, or for good (permanent=true, or already in Trash)",
        ActionResult,
        query=DeleteQuery,
        errors=(404,),
    ),
    private(
        "POST",
        f"{_MESSAGE}/restore",
        message_changes.restore_message,
        "Restore a message from Trash to the folder it came from",
        ActionResult,
        errors=(404,),
    ),
    private(
        "GET",
        f"{_MESSAGE}/raw",
        messages.get_raw_message,
        "The original message bytes",
        None,
        content_type="message/rfc822",
        errors=(404,),
    ),
    private(
        "GET",
        f"{_MESSAGE}/original",
        messages.get_original,
        "The original HTML body, under a strict Content-Security-Policy and sandbox",
        None,
        content_type="text/html",
        errors=(404,),
    ),
    private(
        "GET",
        f"{_MESSAGE}/attachments",
        attachments.list_attachments,
        "The attachments of a message",
        AttachmentList,
        errors=(404,),
        tag="attachments",
    ),
    private(
        "GET",
        f"{_MESSAGE}/attachments.zip",
        attachments.zip_all,
        "Every attachment of a message in one zip",
        None,
        content_type="application/zip",
        errors=(404,),
        tag="attachments",
    ),
    private(
        "GET",
        f"{_MESSAGE}/attachments/{{part}}",
        attachments.get_attachment,
        "One attachment, decoded (risky types always as a download)",
        None,
        content_type="*/*",  # the file's own type; risky ones as application/octet-stream
        query=AttachmentQuery,
        errors=(404,),
        tag="attachments",
    ),
)
