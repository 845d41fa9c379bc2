"""Automation: the vacation reply (F24) and read receipts waiting for the user (F48).
Forwarding and notifications (F56, F57) are preferences: `PATCH /preferences`."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import receipts, vacation
from services.gateway.schemas.automation import ReceiptList, ReceiptSent, VacationIn
from shared.model import Vacation

_RECEIPT = f"{API}/receipts/{{id}}"

AUTOMATION: tuple[Endpoint, ...] = (
    private(
        "GET",
        f"{API}/vacation",
        vacation.get_vacation,
        "The vacation reply settings",
        Vacation,
        tag="automation",
    ),
    private(
        "PUT",
        f"{API}/vacation",
        vacation.put_vacation,
        "Replace the vacation reply settings (422 vacation_end_before_start); switching it"
        " on again replies afresh to every sender",
        Vacation,
        request=VacationIn,
        errors=(422,),
        tag="automation",
    ),
    private(
        "GET",
        f"{API}/receipts",
        receipts.list_receipts,
        "Read receipts asked for and not yet sent nor dismissed, oldest first",
        ReceiptList,
        tag="automation",
    ),
    private(
        "POST",
        f"{_RECEIPT}/send",
        receipts.send_receipt_now,
        "Send the read receipt a message asks for ({id}: the message; 404: not the"
        " account's or asked for none; 409 receipt_settled: already sent or dismissed;"
        " 403 submission_blocked)",
        ReceiptSent,
        errors=(403, 404, 409),
        tag="automation",
        status=202,
    ),
    private(
        "POST",
        f"{_RECEIPT}/dismiss",
        receipts.dismiss_receipt,
        "Never send the read receipt a message asks for ({id}: the message; 404: not the"
        " account's or asked for none; 409 receipt_settled: already sent or dismissed)",
        None,
        errors=(404, 409),
        tag="automation",
        status=204,
    ),
)
