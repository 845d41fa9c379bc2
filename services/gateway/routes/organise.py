"""Tags and comments (F50, F51), preferences (F18, F20, F55) and quota (F58)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import account, listing, message_changes, tags
from services.gateway.schemas import (
    CommentIn,
    CommentOut,
    MessageItem,
    MessagePage,
    PageQuery,
    PreferencesPatch,
    QuotaOut,
    TagCreate,
    TagList,
    TagOut,
    TagUpdate,
)
from shared.model import Preferences

_TAG = f"{API}/tags/{{id}}"
_MESSAGE = f"{API}/messages/{{id}}"

ORGANISE: tuple[Endpoint, ...] = (
    private("GET", f"{API}/tags", tags.list_tags, "Tags of the account", TagList, tag="tags"),
    private(
        "POST",
        f"{API}/tags",
        tags.create_tag,
        "Create a tag with its colour",
        TagOut,
        request=TagCreate,
        errors=(409,),
        tag="tags",
        status=201,
    ),
    private(
        "PATCH",
        _TAG,
        tags.update_tag,
        "Change a tag's colour (tags cannot be renamed: 422)",
        TagOut,
        request=TagUpdate,
        errors=(404, 422),
        tag="tags",
    ),
    private(
        "DELETE",
        _TAG,
        tags.delete_tag,
        "Delete a tag; it comes off every message",
        None,
        errors=(404,),
        tag="tags",
        status=204,
    ),
    private(
        "GET",
        f"{_TAG}/messages",
        listing.tag_messages,
        "Messages carrying a tag, in every folder, newest first",
        MessagePage,
        query=PageQuery,
        errors=(404,),
        tag="tags",
    ),
    private(
        "PUT",
        f"{_MESSAGE}/tags/{{tag_id}}",
        message_changes.tag_message,
        "Put a tag on a message",
        MessageItem,
        errors=(404,),
        tag="tags",
    ),
    private(
        "DELETE",
        f"{_MESSAGE}/tags/{{tag_id}}",
        message_changes.untag_message,
        "Take a tag off a message",
        MessageItem,
        errors=(404,),
        tag="tags",
    ),
    private(
        "PUT",
        f"{_MESSAGE}/comment",
        message_changes.put_comment,
        "Set the private comment of a message",
        CommentOut,
        request=CommentIn,
        errors=(404,),
        tag="tags",
    ),
    private(
        "DELETE",
        f"{_MESSAGE}/comment",
        message_changes.delete_comment,
        "Remove the private comment of a message",
        None,
        errors=(404,),
        tag="tags",
        status=204,
    ),
    private(
        "GET",
        f"{API}/preferences",
        account.get_preferences,
        "The user's preferences",
        Preferences,
        tag="account",
    ),
    private(
        "PATCH",
        f"{API}/preferences",
        account.update_preferences,
        "Change some preferences (404: a default identity that is not the account's; 422:"
        " vacation_end_before_start, invalid_forwarding_address, forwarding_to_self,"
        " no_mobile_number)",
        Preferences,
        request=PreferencesPatch,
        errors=(404, 422),
        tag="account",
    ),
    private(
        "GET",
        f"{API}/quota",
        account.get_quota,
        "Storage used and allowed",
        QuotaOut,
        tag="account",
    ),
)
