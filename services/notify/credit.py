"""Debiting SMS credit once per delivery, however often the delivery is retried.

The claim `sms-debit:<reference>` records that a delivery's parts were taken from the
account's credit; a retry finds it and sends without paying again. The claim is given
back when the debit did not happen (credit spent, or the store failed), so it always
means "paid".
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from shared.ports.automation import AutomationState

log = logging.getLogger(__name__)


def debit_key(reference: str) -> str:
    return f"sms-debit:{reference}"


async def debit_once(
    mailbox: AutomationState, account_id: str, reference: str, parts: int, now: datetime
) -> bool:
    """Take `parts` SMS from the account's credit for delivery `reference`, unless it was
    taken already. False when the credit does not cover them (nothing taken)."""
    key = debit_key(reference)
    if not await mailbox.claim_once(account_id, key, now):
        return True  # paid by an earlier attempt
    try:
        debited = await mailbox.debit_sms(account_id, parts, now)
    except BaseException:
        with contextlib.suppress(Exception):
            await mailbox.release_once(account_id, key)
        raise
    if not debited:
        await mailbox.release_once(account_id, key)
    return debited
