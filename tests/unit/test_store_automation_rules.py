"""Automation state's rules, decided once for every adapter (`core.automation`): a mark's
lapse with `every`, the month and credit of an SMS debit, one receipt request per message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.store.core import automation
from shared.model import Plan, ReceiptRequest

NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def test_a_mark_without_every_stands_for_good() -> None:
    assert automation.lapsed_by(NOW, None) is None
    assert automation.stands(NOW - timedelta(days=3650), NOW, None)
    assert not automation.stands(None, NOW, None)


def test_a_mark_with_every_lapses_when_the_period_is_over() -> None:
    day = timedelta(days=1)
    assert automation.lapsed_by(NOW, day) == NOW - day
    assert automation.stands(NOW - day + timedelta(microseconds=1), NOW, day)
    assert not automation.stands(NOW - day, NOW, day)  # exactly one period: renewable
    assert not automation.stands(None, NOW, day)


def test_sms_are_counted_in_the_utc_month() -> None:
    assert automation.month_of(NOW) == "2024-03"
    # 1 April 01:00 in UTC+2 is still March in UTC.
    assert automation.month_of(datetime(2024, 4, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))) == (
        "2024-03"
    )


def test_a_debit_is_granted_within_the_plans_credit() -> None:
    debit = automation.sms_debit(Plan(name="small", sms_credit=10), 4, NOW)
    assert (debit.month, debit.parts, debit.most_used) == ("2024-03", 4, 6)
    assert debit.possible and debit.granted(6) and not debit.granted(7)


def test_a_debit_over_the_credit_alone_is_never_granted() -> None:
    debit = automation.sms_debit(Plan(name="small", sms_credit=3), 4, NOW)
    assert not debit.possible and not debit.granted(0)


def test_without_a_credit_every_debit_is_granted() -> None:
    for plan in (None, Plan(name="open")):
        debit = automation.sms_debit(plan, 1000, NOW)
        assert debit.most_used is None and debit.possible and debit.granted(10**9)


def test_a_negative_debit_is_an_error() -> None:
    with pytest.raises(ValueError):
        automation.sms_debit(None, -1, NOW)


def _request(message_id: str, minutes: int) -> ReceiptRequest:
    return ReceiptRequest(
        message_id=message_id,
        folder_id="inbox",
        to="bob@example.test",
        subject="hello",
        sender=None,
        received_at=NOW + timedelta(minutes=minutes),
    )


def test_receipt_requests_are_one_per_message_oldest_first() -> None:
    pending = [
        ("<b@x>", _request("m3", 3)),
        ("<a@x>", _request("m2", 1)),
        (None, _request("m5", 0)),  # no Message-ID: never merged
        (None, _request("m4", 0)),
        ("<a@x>", _request("m1", 2)),  # a later copy of <a@x>: the same request
    ]
    assert [r.message_id for r in automation.one_per_message(pending)] == ["m4", "m5", "m2", "m3"]
