"""Writing and sending: compose, reply, forward, drafts, templates (F1, F2, F34)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import compose, drafts
from services.gateway.schemas.compose import (
    CompositionIn,
    CompositionOut,
    NewQuery,
    ReplyQuery,
    SavedMessage,
    SendRequest,
    SentOut,
)

_DRAFT = f"{API}/drafts/{{id}}"
_TEMPLATE = f"{API}/templates/{{id}}"
_MESSAGE = f"{API}/messages/{{id}}"
_TAG = "sending"

# What sending may answer besides success: a bad address or field (400), a foreign or
# unknown id (404), a message over 50 MB (413), a plan limit (422 recipients per message,
# 429 messages per day), a sender not allowed (403), a full mailbox (507), an
# Idempotency-Key used for another request (422).
_SEND_ERRORS = (403, 404, 413, 422, 429, 507)
_SAVE_ERRORS = (403, 404, 413, 507)

COMPOSE: tuple[Endpoint, ...] = (
    private(
        "POST",
        f"{API}/send",
        drafts.send_message,
        "Send a message: To, Cc, Bcc, bodies, attachments, priority, receipt request;"
        " a copy goes to Sent (Idempotency-Key header: the same key sends once)",
        SentOut,
        request=SendRequest,
        errors=_SEND_ERRORS,
        tag=_TAG,
        status=202,
        idempotent=True,
    ),
    private(
        "GET",
        f"{API}/compose",
        compose.new_message,
        "A new message to edit: the identity's automatic signature, or a template's content",
        CompositionOut,
        query=NewQuery,
        errors=(403, 404),
        tag=_TAG,
    ),
    private(
        "GET",
        f"{_MESSAGE}/reply",
        compose.reply,
        "A reply (or reply to all) to edit: recipients, Re: subject, In-Reply-To and"
        " References, the original quoted; or a template's content",
        CompositionOut,
        query=ReplyQuery,
        errors=(403, 404),
        tag=_TAG,
    ),
    private(
        "GET",
        f"{_MESSAGE}/forward",
        compose.forward,
        "A forward to edit: Fwd: subject, the original below its headers, its attachments",
        CompositionOut,
        errors=(403, 404),
        tag=_TAG,
    ),
    private(
        "POST",
        f"{API}/drafts",
        drafts.create_draft,
        "Save a draft in Drafts (not sent)",
        SavedMessage,
        request=CompositionIn,
        errors=_SAVE_ERRORS,
        tag=_TAG,
        status=201,
    ),
    private(
        "GET",
        _DRAFT,
        drafts.get_draft,
        "A draft, to resume",
        SavedMessage,
        errors=(404,),
        tag=_TAG,
    ),
    private(
        "PUT",
        _DRAFT,
        drafts.update_draft,
        "Save a new version of a draft (it gets a new id; the previous version goes)",
        SavedMessage,
        request=CompositionIn,
        errors=_SAVE_ERRORS,
        tag=_TAG,
    ),
    private(
        "POST",
        f"{_DRAFT}/send",
        drafts.send_draft,
        "Send a draft as saved; it leaves Drafts (Idempotency-Key header: sent once)",
        SentOut,
        errors=_SEND_ERRORS,
        tag=_TAG,
        status=202,
        idempotent=True,
    ),
    private(
        "POST",
        f"{API}/templates",
        drafts.create_template,
        "Save a message as a template in Templates, attachments included",
        SavedMessage,
        request=CompositionIn,
        errors=_SAVE_ERRORS,
        tag=_TAG,
        status=201,
    ),
    private(
        "GET",
        _TEMPLATE,
        drafts.get_template,
        "A template's content",
        SavedMessage,
        errors=(404,),
        tag=_TAG,
    ),
    private(
        "PUT",
        _TEMPLATE,
        drafts.update_template,
        "Change a template (it gets a new id; the previous version goes)",
        SavedMessage,
        request=CompositionIn,
        errors=_SAVE_ERRORS,
        tag=_TAG,
    ),
)
