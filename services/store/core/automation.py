"""Automation state (F24, F48, F56, F57): things done once per account, the SMS credit
used per month, and which pending read receipts are asked for.

The rules are here; each adapter reads what they need and makes the write they decide
in one transaction or one conditional write, so a claim or a debit is granted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.model import Plan, ReceiptRequest


# --- things done once ------------------------------------------------------------------
def lapsed_by(now: datetime, every: timedelta | None) -> datetime | None:
    """A mark made at or before this time no longer stands, so `claim_once` may renew it;
    None: a mark made without `every` stands for good."""
    return None if every is None else now - every


def stands(at: datetime | None, now: datetime, every: timedelta | None) -> bool:
    """Whether a mark made `at` (None: no mark) refuses a claim at `now`."""
    if at is None:
        return False
    lapsed = lapsed_by(now, every)
    return lapsed is None or at > lapsed


# --- SMS credit --------------------------------------------------------------------------
def month_of(now: datetime) -> str:
    """The calendar month (UTC) SMS credit is counted in: 'YYYY-MM'."""
    return now.astimezone(UTC).strftime("%Y-%m")


@dataclass(frozen=True)
class SmsDebit:
    """A debit of `parts` in `month`: granted when the parts used so far are at most
    `most_used` (None: the plan sets no credit, so every debit is granted and counted)."""

    month: str
    parts: int
    most_used: int | None

    @property
    def possible(self) -> bool:
        """False when the debit alone is over the credit: refused whatever was used."""
        return self.most_used is None or self.most_used >= 0

    def granted(self, used: int) -> bool:
        return self.most_used is None or used <= self.most_used


def sms_debit(plan: Plan | None, parts: int, now: datetime) -> SmsDebit:
    """The debit of `parts` at `now` under the account's plan; the credit is the plan's
    monthly `sms_credit`, none without a plan."""
    if parts < 0:
        raise ValueError(f"cannot debit {parts} SMS parts")
    credit = plan.sms_credit if plan is not None else None
    return SmsDebit(month_of(now), parts, None if credit is None else credit - parts)


# --- read receipts -----------------------------------------------------------------------
def one_per_message(pending: Iterable[tuple[str | None, ReceiptRequest]]) -> list[ReceiptRequest]:
    """The requests, oldest first, from the pending ones with their Message-ID header:
    copies of one received message (same header, e.g. a filter's copy in a second folder)
    are one request, the oldest copy's."""
    found: list[ReceiptRequest] = []
    seen: set[str] = set()
    for header, request in sorted(pending, key=lambda p: (p[1].received_at, p[1].message_id)):
        if header:
            if header in seen:
                continue
            seen.add(header)
        found.append(request)
    return found
