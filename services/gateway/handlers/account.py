"""The account's preferences (F18, F20, F24, F48, F55-F57) and storage gauge (F58)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from services.gateway.automation import (
    check_notifications,
    check_vacation,
    checked_forwarding,
    save_preferences,
)
from services.gateway.bodies import describe, json_response, read_json
from services.gateway.errors import ApiError
from services.gateway.handlers.identities import own_identity
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.present import quota_out
from services.gateway.schemas import PreferencesPatch
from shared.model import Account, Preferences

# Preferences made of several fields: a patch changes the fields it gives of them.
_NESTED = ("vacation", "forwarding", "notifications")


async def get_preferences(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response(await mailbox_of(request).preferences(account.id))


async def update_preferences(request: web.Request, account: Account) -> web.StreamResponse:
    """The fields given, merged over the current preferences and checked as a whole;
    `default_identity_id` must name one of the account's identities. The automation
    settings given are checked against the account (422), those not given are left alone
    even if they would no longer pass (a profile that lost its mobile number does not
    block changing the page size)."""
    patch = await read_json(request, PreferencesPatch)
    mailbox = mailbox_of(request)
    if patch.default_identity_id is not None:  # another account's looks like a missing one
        await own_identity(mailbox, account, patch.default_identity_id)
    current = await mailbox.preferences(account.id)
    merged = _merge(current.model_dump(), patch.model_dump(exclude_unset=True))
    try:
        new = Preferences.model_validate(merged)
    except ValidationError as exc:
        raise ApiError(400, "invalid_field", describe(exc)) from None
    given = patch.model_fields_set
    if "vacation" in given:
        check_vacation(new.vacation)
    if "forwarding" in given:
        new.forwarding = await checked_forwarding(mailbox, account, new.forwarding)
    if "notifications" in given:
        await check_notifications(mailbox, account, new.notifications)
    return json_response(await save_preferences(mailbox, account, current, new))


def _merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = current | patch
    for name in _NESTED:
        if isinstance(patch.get(name), dict) and isinstance(current.get(name), dict):
            merged[name] = current[name] | patch[name]
    return merged


async def get_quota(request: web.Request, account: Account) -> web.StreamResponse:
    """Storage (the gauge, F58) and the SMS credit of the month (F3, F57)."""
    mailbox = mailbox_of(request)
    plan = await mailbox.account_plan(account.id)
    return json_response(
        quota_out(
            await mailbox.quota(account.id),
            sms_credit=plan.sms_credit if plan is not None else None,
            sms_used=await mailbox.sms_used(account.id, datetime.now(UTC)),
        )
    )
