"""Sending a composed message: the plan's imposed signature (F23) goes in, then
`shared.workflows.sending` checks the limits, keeps the copy in Sent and queues the message for
the outbound service; answered once both are durable.

A client that repeats a send with the same `Idempotency-Key` header gets the same message
sent once (`send_once`): the first request claims the key in the mailbox store, with the
fingerprint of what it asks (method, path and body) and the event id its work uses, from
which the Message-ID, the Sent copy and the count against the daily limit derive. A retry
of the same request gets the stored 202 answer again, or, if the first one did not finish,
does the same work under the same event id; another request with the key is 422
`idempotency_key_reused`. A request refused before it did anything (a 4xx) gives its key
back. Keys are the account's own and last `IDEMPOTENCY_LIFETIME` (24 hours).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web
from pydantic import BaseModel

from services.gateway.bodies import JSON
from services.gateway.context import BLOBS, PUBLISHER
from services.gateway.errors import ApiError
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.outgoing import Composed, compose
from services.gateway.schemas.compose import CompositionIn, SentOut
from shared.events import new_event_id
from shared.mail.compose.build import build_message
from shared.mail.compose.signature import append_footer
from shared.model import Account, Selection, StoredMessage
from shared.ports import Conflict, NotFound
from shared.workflows.sending import Refusal, Sender

IDEMPOTENCY_LIFETIME = timedelta(hours=24)
_MAX_KEY = 200


def idempotency_key(request: web.Request) -> str | None:
    """The client's `Idempotency-Key` header, if it sent one; 400 if it is not a key."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return None
    if len(key) > _MAX_KEY or not key.isprintable():
        raise ApiError(400, "invalid_header", f"Idempotency-Key: at most {_MAX_KEY} characters")
    return key


async def send_once(
    request: web.Request,
    account: Account,
    body: BaseModel | None,
    work: Callable[[str], Awaitable[SentOut]],
) -> web.Response:
    """The 202 answer of `work` (a send, given its event id), done once per
    `Idempotency-Key` and request (`body` the request's validated body, if it has one)."""
    key = idempotency_key(request)
    if key is None:
        return _accepted((await work(new_event_id())).model_dump_json())
    mailbox = mailbox_of(request)
    asked = json.dumps(body.model_dump(mode="json") if body else None, sort_keys=True)
    digest = hashlib.sha256(f"{request.method} {request.path}\n{asked}".encode()).hexdigest()
    now = datetime.now(UTC)
    try:
        claim = await mailbox.claim_idempotency_key(
            account.id, key, digest, new_event_id(), now, expired_before=now - IDEMPOTENCY_LIFETIME
        )
    except Conflict:
        raise ApiError(
            422, "idempotency_key_reused", "this Idempotency-Key was used for another request"
        ) from None
    if claim.answer is not None:
        return _accepted(claim.answer)  # what the first request was answered, exactly
    try:
        sent = await work(claim.event_id)
    except (ApiError, NotFound) as exc:
        if not isinstance(exc, ApiError) or exc.status < 500:  # refused before doing anything
            await mailbox.release_idempotency_key(account.id, key)
        raise
    answer = sent.model_dump_json()
    await mailbox.answer_idempotency_key(account.id, key, answer)
    return _accepted(answer)


def _accepted(answer: str) -> web.Response:
    return web.Response(status=202, text=answer, content_type=JSON)


async def send(
    request: web.Request,
    account: Account,
    body: CompositionIn,
    event_id: str,
    *,
    draft: StoredMessage | None = None,
) -> SentOut:
    """Send what `body` describes under `event_id`; a `draft` it came from leaves Drafts
    once it is sent."""
    now = datetime.now(UTC)
    composed = await compose(request, account, body, seed=event_id, now=now)
    return await dispatch(request, account, composed, event_id=event_id, now=now, draft=draft)


# How the gateway answers each refusal of `shared.workflows.sending`.
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
