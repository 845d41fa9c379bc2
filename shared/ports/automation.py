"""Automation role of the mailbox store (F24, F48, F56, F57): claims granted once, the
monthly SMS credit, read receipts pending until settled. Not journaled: no mailbox
content a client sees."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Protocol

from shared.model import ReceiptRequest


class AutomationState(Protocol):
    """What automation remembers so that it acts once: claims, SMS used, read receipts."""

    async def claim_once(
        self, account_id: str, key: str, now: datetime, *, every: timedelta | None = None
    ) -> bool:
        """Atomically: True, recording `now`, when `key` was never claimed for the account
        (or, with `every`, was last claimed at least `every` before `now`); otherwise
        False, changing nothing. One vacation reply per sender per N days
        (`vacation:<sender>`), a warning given once, a notification sent once.
        `NotFound` for an unknown account."""
        ...

    async def release_once(self, account_id: str, prefix: str) -> int:
        """Forget the account's claims whose key starts with `prefix` (a vacation switched
        on again replies afresh); how many were forgotten."""
        ...

    async def debit_sms(self, account_id: str, parts: int, now: datetime) -> bool:
        """Take `parts` SMS from the account's credit: the plan's `sms_credit` per calendar
        month (UTC) of `now`. False, taking nothing, when that would exceed the credit;
        always True for an account whose plan sets no credit (or with no plan), the use
        still counted. `NotFound` for an unknown account."""
        ...

    async def sms_used(self, account_id: str, now: datetime) -> int:
        """SMS parts the account used in the calendar month (UTC) of `now`."""
        ...

    async def receipt_requests(self, account_id: str) -> list[ReceiptRequest]:
        """The account's messages whose read receipt is pending (not sent nor dismissed),
        oldest first; messages in Trash included, destroyed ones gone."""
        ...

    async def settle_receipt(
        self, account_id: str, message_id: str, state: Literal["sent", "dismissed"]
    ) -> str | None:
        """Move a message's read receipt from pending to `state`, once: the address the
        receipt goes to when this call settled it; None when the message asked for no
        receipt or it was settled before (so a receipt is never sent twice). `NotFound`
        for a message not in the account."""
        ...
