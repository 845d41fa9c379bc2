"""Automation settings (F24, F56, F57) and read receipts (F48).

The request models subclass those of `shared.model` so the JSON field names stay the
stored ones, and refuse unknown fields at every level. What needs the account (its own
addresses, its profile's mobile number) is checked by `services.gateway.automation`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from services.gateway.schemas.core import Request, Schema
from shared.model import Forwarding, Notifications, ReceiptRequest, Vacation


class VacationIn(Vacation, Request):
    """The vacation reply; `end` may not come before `start` (422)."""


class ForwardingIn(Forwarding, Request):
    """`address`: where incoming mail is forwarded (null: no forwarding); never the
    account's own address or one of its aliases (422)."""


class NotificationsIn(Notifications, Request):
    """`sms` other than "off" needs a valid mobile number in the profile (422)."""


class ReceiptItem(ReceiptRequest, Schema):
    """A message asking for a read receipt the user has not sent nor dismissed."""


class ReceiptList(Schema):
    receipts: list[ReceiptItem] = Field(description="oldest first")


class ReceiptSent(Schema):
    message_id: str = Field(description="the message the receipt is about")
    to: str = Field(description="where the receipt goes")
    queued_at: datetime
