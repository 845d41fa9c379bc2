"""Sending a composed message: the plan's imposed signature (F23) goes in, then
`shared.sending` checks the limits, keeps the copy in Sent and queues the message for
the outbound service; answered once both are durable.

A client that repeats a send with the same `Idempotency-Key` header gets the same message
sent once: the event id, the Message-ID, the Sent copy and the count against the daily
limit all derive from the key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from services.gateway.context import BLOBS, PUBLISHER
from services.gateway.errors import ApiError
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.outgoing import Composed, compose
from services.gateway.schemas.compose import CompositionIn, SentOut
from shared.compose.build import build_message
from shared.compose.signature import append_footer
from shared.events import derived_id, new_event_id
from shared.model import Account, Selection, StoredMessage
from shared.sending import Refusal, Sender

_MAX_KEY = 200


def send_id(request: web.Request, account: Account) -> str:
    """The event id of this send: derived from the client's `Idempotency-Key`, if any."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return new_event_id()
    if len(key) > _MAX_KEY or not key.isprintable():
        raise ApiError(400, "invalid_header", f"Idempotency-Key: at most {_MAX_KEY} characters")
    return derived_id(account.id, "send", key)


async def send(
    request: web.Request,
    account: Account,
    body: CompositionIn,
    *,
    draft: StoredMessage | None = None,
) -> SentOut:
    """Send what `body` describes; a `draft` it came from leaves Drafts once it is sent."""
    event_id = send_id(request, account)
    now = datetime.now(UTC)
    composed = await compose(request, account, body, seed=event_id, now=now)
    return await dispatch(request, account, composed, event_id=event_id, now=now, draft=draft)


# How the gateway answers each refusal of `shared.sending`.
_STATUS = {
    "submission_blocked": 403,
    "no_recipients": 400,
    "recipients_per_message": 422,
    "invalid_recipient": 422,
    "messages_per_day": 429,
    "mailbox_full": 507,
}


def refused(refusal: Refusal) -> ApiError:
    return ApiError(_STATUS[refusal.code], refusal.code, refusal.message)


async def dispatch(
    request: web.Request,
    account: Account,
    composed: Composed,
    *,
    event_id: str,
    now: datetime,
    draft: StoredMessage | None = None,
) -> SentOut:
    sender = Sender(
        mailbox=mailbox_of(request), blobs=request.app[BLOBS], publisher=request.app[PUBLISHER]
    )
    recipients = composed.recipients
    outgoing = composed.outgoing
    try:
        plan = await sender.check(account, len(recipients))
        if plan is not None and plan.signature:
            text, html = append_footer(outgoing.text, outgoing.html, plan.signature)
            if text is None and html is None:  # an empty message still carries the footer
                text = plan.signature
            outgoing = outgoing.model_copy(update={"text": text, "html": html})
        sent = await sender.submit(
            account,
            mail_from=composed.identity.address,
            recipients=recipients,
            kept=build_message(outgoing, include_bcc=True),  # the Sent copy shows the Bcc
            wire=build_message(outgoing, include_bcc=False),
            event_id=event_id,
            now=now,
        )
    except Refusal as refusal:
        raise refused(refusal) from None
    if draft is not None:
        await mailbox_of(request).destroy_messages(account.id, Selection.of(draft.id))
    return SentOut(
        id=sent.message_id,
        message_id=outgoing.message_id,
        recipients=recipients,
        queued_at=now,
    )
