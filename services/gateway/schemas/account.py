"""Preferences (F18, F20, F55) and the storage gauge (F58)."""

from __future__ import annotations

from pydantic import Field

from services.gateway.schemas.automation import ForwardingIn, NotificationsIn, VacationIn
from services.gateway.schemas.core import Request, Schema
from shared.model import DisplayModeName, PagingMode, ReceiptPolicy


class PreferencesPatch(Request):
    """The fields to change; the result is validated as a whole `Preferences`."""

    page_size: int | None = None
    paging_mode: PagingMode | None = None
    thread_view: bool | None = None
    display_mode: DisplayModeName | None = None
    trash_retention_days: int | None = None
    default_identity_id: str | None = Field(
        default=None, description="one of the account's identities (else 404); null: none chosen"
    )
    always_request_receipt: bool | None = None
    send_receipts: ReceiptPolicy | None = Field(
        default=None, description="read receipts asked of the user: always, never or ask"
    )
    vacation: VacationIn | None = Field(
        default=None, description="the fields given replace those of the current vacation"
    )
    forwarding: ForwardingIn | None = Field(
        default=None, description="the fields given replace those of the current forwarding"
    )
    notifications: NotificationsIn | None = Field(
        default=None, description="the fields given replace those of the current ones"
    )


class QuotaOut(Schema):
    plan: str | None
    used_bytes: int
    trash_bytes: int = Field(description="reclaimable: Trash goes first when space is needed")
    limit_bytes: int | None = Field(description="null: unlimited")
    percent: float | None = Field(description="used of the limit; null when unlimited")
    sms_credit: int | None = Field(
        default=None, description="SMS parts the plan allows per calendar month; null: no limit"
    )
    sms_used: int = Field(default=0, description="SMS parts sent this calendar month (UTC)")
