"""The account's preferences (F18, F20, F55) and storage gauge (F58)."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from services.gateway.bodies import describe, json_response, read_json
from services.gateway.errors import ApiError
from services.gateway.handlers.identities import own_identity
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.present import quota_out
from services.gateway.schemas import PreferencesPatch
from shared.model import Account, Preferences


async def get_preferences(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response(await mailbox_of(request).preferences(account.id))


async def update_preferences(request: web.Request, account: Account) -> web.StreamResponse:
    """The fields given, merged over the current preferences and checked as a whole;
    `default_identity_id` must name one of the account's identities."""
    patch = await read_json(request, PreferencesPatch)
    mailbox = mailbox_of(request)
    if patch.default_identity_id is not None:  # another account's looks like a missing one
        await own_identity(mailbox, account, patch.default_identity_id)
    current = await mailbox.preferences(account.id)
    try:
        merged = Preferences.model_validate(
            current.model_dump() | patch.model_dump(exclude_unset=True)
        )
    except ValidationError as exc:
        raise ApiError(400, "invalid_field", describe(exc)) from None
    return json_response(await mailbox.set_preferences(account.id, merged))


async def get_quota(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response(quota_out(await mailbox_of(request).quota(account.id)))
