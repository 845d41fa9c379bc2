"""Read receipts the user is asked about (F48, preference "ask"): listed, then sent or
dismissed one by one. Each is settled once: a second send or dismiss is a 409."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from services.gateway.bodies import json_response
from services.gateway.errors import ApiError, not_found
from services.gateway.handlers.lookup import mailbox_of, own_message
from services.gateway.receipt_keywords import mark_settled
from services.gateway.receipts import send_receipt
from services.gateway.schemas.automation import ReceiptItem, ReceiptList, ReceiptSent
from shared.model import Account, StoredMessage


async def list_receipts(request: web.Request, account: Account) -> web.StreamResponse:
    pending = await mailbox_of(request).receipt_requests(account.id)
    return json_response(
        ReceiptList(receipts=[ReceiptItem.model_validate(r.model_dump()) for r in pending])
    )


async def send_receipt_now(request: web.Request, account: Account) -> web.StreamResponse:
    """202 once the receipt is queued for the outbound service."""
    message = await _pending(request, account)
    if account.submission_blocked:
        raise ApiError(
            403, "submission_blocked", "sending is blocked for this account; ask your provider"
        )
    to = await send_receipt(request, account, message, mode="manual")
    if to is None:
        raise _settled()
    return json_response(
        ReceiptSent(message_id=message.id, to=to, queued_at=datetime.now(UTC)), status=202
    )


async def dismiss_receipt(request: web.Request, account: Account) -> web.StreamResponse:
    message = await _pending(request, account)
    mailbox = mailbox_of(request)
    if await mailbox.settle_receipt(account.id, message.id, "dismissed") is None:
        raise _settled()
    await mark_settled(mailbox, account.id, message.id)
    return web.Response(status=204)


async def _pending(request: web.Request, account: Account) -> StoredMessage:
    """The message in the path, with a receipt still to settle: 404 for a message that is
    not the account's or asked for no receipt, 409 for one already settled."""
    message = await own_message(request, account)
    if message.receipt is None:
        raise not_found()
    if message.receipt != "pending":
        raise _settled()
    return message


def _settled() -> ApiError:
    return ApiError(409, "receipt_settled", "this read receipt was already sent or dismissed")
