"""Sending a composed message: the plan's limits (F58: recipients per message, messages per
day), its imposed signature (F23), the copy in Sent, and the request to the outbound
service. Answered once both the Sent copy and the request are durable.

A client that repeats a send with the same `Idempotency-Key` header gets the same message
sent once: the event id, the Message-ID, the Sent copy and the count against the daily
limit all derive from the key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from services.gateway.context import BLOBS, PUBLISHER
from services.gateway.errors import ApiError
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.outgoing import Composed, compose
from services.gateway.saved import make_room
from services.gateway.schemas.compose import CompositionIn, SentOut
from shared.compose.build import build_message
from shared.compose.signature import append_footer
from shared.events import OutboundRequest, derived_id, new_event_id
from shared.mime import parse_message
from shared.model import Account, FolderRole, NewMessage, Selection, StoredMessage

DAY = timedelta(days=1)
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


async def dispatch(
    request: web.Request,
    account: Account,
    composed: Composed,
    *,
    event_id: str,
    now: datetime,
    draft: StoredMessage | None = None,
) -> SentOut:
    mailbox = mailbox_of(request)
    blobs = request.app[BLOBS]
    recipients = composed.recipients
    if not recipients:
        raise ApiError(400, "no_recipients", "give at least one recipient in to, cc or bcc")
    plan = await mailbox.account_plan(account.id)
    most = plan.recipients_per_message if plan else None
    if most is not None and len(recipients) > most:
        raise ApiError(
            422,
            "recipients_per_message",
            f"your plan allows {most} recipients per message; this message has {len(recipients)}",
        )
    outgoing = composed.outgoing
    if plan is not None and plan.signature:
        text, html = append_footer(outgoing.text, outgoing.html, plan.signature)
        if text is None and html is None:  # an empty message still carries the footer
            text = plan.signature
        outgoing = outgoing.model_copy(update={"text": text, "html": html})
    kept = build_message(outgoing, include_bcc=True)  # the Sent copy shows the Bcc
    wire = build_message(outgoing, include_bcc=False)
    await make_room(mailbox, account, len(kept))
    per_day = plan.messages_per_day if plan else None
    if not await mailbox.admit_submission(
        account.id, event_id, now, since=now - DAY, limit=per_day
    ):
        raise ApiError(
            429,
            "messages_per_day",
            f"your plan allows {per_day} messages a day: the limit is reached, try later",
        )
    wire_blob = await blobs.put(wire)
    sent_folder = await mailbox.folder_by_role(account.id, FolderRole.SENT)
    delivery = await mailbox.deliver(
        NewMessage(
            event_id=derived_id(event_id, "sent"),
            account_id=account.id,
            folder_id=sent_folder.id,
            blob_id=await blobs.put(kept),
            size=len(kept),
            received_at=now,
            unread=False,
            parsed=parse_message(kept),
        )
    )
    await request.app[PUBLISHER].publish(
        OutboundRequest(
            event_id=event_id,
            account_id=account.id,
            mail_from=composed.identity.address,
            recipients=recipients,
            blob_id=wire_blob,
            size=len(wire),
            queued_at=now,
        )
    )
    if draft is not None:
        await mailbox.destroy_messages(account.id, Selection.of(draft.id))
    return SentOut(
        id=delivery.message_id,
        message_id=outgoing.message_id,
        recipients=recipients,
        queued_at=now,
    )
