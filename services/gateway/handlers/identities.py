"""Sender identities with their signatures (F5, F21), and the addresses they may use."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from services.gateway.bodies import describe, json_response, read_json
from services.gateway.errors import ApiError, not_found
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.html import sanitise_composed_html
from services.gateway.schemas import IdentityIn, IdentityList, IdentityOut, SendableAddresses
from services.gateway.senders import default_identity, sender_not_allowed
from shared.model import Account, Identity, IdentityFields
from shared.ports import NotFound
from shared.ports.identities import Identities
from shared.ports.uses import GatewayMailbox
from shared.workflows.senders import may_send_as, sendable_addresses


async def own_identity(mailbox: Identities, account: Account, identity_id: str) -> Identity:
    """The account's identity of that id; another account's looks exactly like a missing one."""
    try:
        identity = await mailbox.identity(account.id, identity_id)
    except NotFound:
        raise not_found() from None
    if identity.account_id != account.id:
        raise not_found()
    return identity


def identity_out(identity: Identity, default_id: str) -> IdentityOut:
    return IdentityOut(
        id=identity.id,
        address=identity.address,
        name=identity.name,
        reply_to=identity.reply_to,
        signature_text=identity.signature_text,
        signature_html=identity.signature_html,
        signature_auto=identity.signature_auto,
        default=identity.id == default_id,
    )


async def _default_id(mailbox: GatewayMailbox, account: Account) -> str:
    identities = await mailbox.identities(account.id)
    preferences = await mailbox.preferences(account.id)
    return default_identity(account, identities, preferences).id


async def _fields(request: web.Request, account: Account) -> IdentityFields:
    """The identity in the body, once its address is known to be allowed; the HTML
    signature sanitised as the HTML of a message being sent (it goes into every message
    sent with it): no scripts, handlers, forms or frames; images keep a web or cid: source."""
    body = await read_json(request, IdentityIn)
    if not await may_send_as(mailbox_of(request), account, body.address):
        raise sender_not_allowed(body.address)
    fields = body.model_dump()
    fields["signature_html"] = sanitise_composed_html(body.signature_html).strip()
    try:
        return IdentityFields.model_validate(fields)
    except ValidationError as exc:  # links gain attributes: the HTML may have grown too long
        raise ApiError(400, "invalid_field", describe(exc)) from None


async def list_identities(request: web.Request, account: Account) -> web.StreamResponse:
    mailbox = mailbox_of(request)
    identities = await mailbox.identities(account.id)
    default = default_identity(account, identities, await mailbox.preferences(account.id))
    return json_response(
        IdentityList(
            identities=[identity_out(i, default.id) for i in identities], default_id=default.id
        )
    )


async def create_identity(request: web.Request, account: Account) -> web.StreamResponse:
    """409 if the account already has an identity with this address."""
    fields = await _fields(request, account)
    mailbox = mailbox_of(request)
    identity = await mailbox.create_identity(account.id, fields)
    return json_response(identity_out(identity, await _default_id(mailbox, account)), status=201)


async def get_identity(request: web.Request, account: Account) -> web.StreamResponse:
    mailbox = mailbox_of(request)
    identity = await own_identity(mailbox, account, request.match_info["id"])
    return json_response(identity_out(identity, await _default_id(mailbox, account)))


async def update_identity(request: web.Request, account: Account) -> web.StreamResponse:
    """Every field replaced; the address must be allowed, as for a new identity."""
    mailbox = mailbox_of(request)
    identity = await own_identity(mailbox, account, request.match_info["id"])
    fields = await _fields(request, account)
    updated = await mailbox.update_identity(account.id, identity.id, fields)
    return json_response(identity_out(updated, await _default_id(mailbox, account)))


async def delete_identity(request: web.Request, account: Account) -> web.StreamResponse:
    """422 for the last one; the default in the preferences goes with it."""
    mailbox = mailbox_of(request)
    identity = await own_identity(mailbox, account, request.match_info["id"])
    await mailbox.delete_identity(account.id, identity.id)
    preferences = await mailbox.preferences(account.id)
    if preferences.default_identity_id == identity.id:
        await mailbox.set_preferences(
            account.id, preferences.model_copy(update={"default_identity_id": None})
        )
    return web.Response(status=204)


async def list_addresses(request: web.Request, account: Account) -> web.StreamResponse:
    """What a new identity may use: the account's own address and aliases, and whether
    addresses of domains Bureau does not host are allowed too."""
    addresses = await sendable_addresses(mailbox_of(request), account)
    return json_response(
        SendableAddresses(addresses=addresses, external_allowed=account.external_senders)
    )
