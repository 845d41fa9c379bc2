"""Mail filters of the signed-in account (F25-F27): list, create, read, replace, delete,
reorder, and a dry run of them all on one of the account's messages."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from services.gateway.bodies import json_response, read_json
from services.gateway.context import BLOBS
from services.gateway.errors import not_found
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.schemas.filters import (
    ConditionResult,
    FilterAction,
    FilterCondition,
    FilterCreate,
    FilterExplanation,
    FilterIn,
    FilterList,
    FilterOrder,
    FilterOut,
    FilterTestIn,
    FilterTestOut,
)
from shared.filters import ActionKind, Filter, FilterFields
from shared.mail.filtering.engine import Explanation, explain
from shared.mail.filtering.facts import MessageFacts
from shared.model import Account
from shared.ports.filter_rules import FilterRules
from shared.ports.folders import Folders

_TO_FOLDERS = frozenset({ActionKind.MOVE, ActionKind.COPY})
In = TypeVar("In", bound=FilterIn)


def filter_out(filter_: Filter) -> FilterOut:
    return FilterOut(
        id=filter_.id,
        name=filter_.name,
        enabled=filter_.enabled,
        match=filter_.match,
        conditions=[FilterCondition.model_validate(c.model_dump()) for c in filter_.conditions],
        actions=[FilterAction.model_validate(a.model_dump()) for a in filter_.actions],
        position=filter_.position,
    )


def filter_list(filters: list[Filter]) -> FilterList:
    return FilterList(filters=[filter_out(f) for f in sorted(filters, key=lambda f: f.position)])


async def own_filter(mailbox: FilterRules, account: Account, filter_id: str) -> Filter:
    """The account's filter of that id; another account's looks exactly like a missing one."""
    for filter_ in await mailbox.filters(account.id):
        if filter_.id == filter_id and filter_.account_id == account.id:
            return filter_
    raise not_found()


async def check_folders(mailbox: Folders, account: Account, fields: FilterFields) -> None:
    """404 unless every folder a move or copy names is one of the account's."""
    wanted = {a.folder_id for a in fields.actions if a.kind in _TO_FOLDERS and a.folder_id}
    if not wanted:
        return
    own = {folder.id for folder in await mailbox.folders(account.id)}
    if not wanted <= own:
        raise not_found()


async def _fields(request: web.Request, account: Account, model: type[In]) -> In:
    body = await read_json(request, model)
    await check_folders(mailbox_of(request), account, body.fields())
    return body


async def list_filters(request: web.Request, account: Account) -> web.StreamResponse:
    return json_response(filter_list(await mailbox_of(request).filters(account.id)))


async def create_filter(request: web.Request, account: Account) -> web.StreamResponse:
    body = await _fields(request, account, FilterCreate)
    created = await mailbox_of(request).create_filter(account.id, body.fields(), body.position)
    return json_response(filter_out(created), status=201)


async def get_filter(request: web.Request, account: Account) -> web.StreamResponse:
    filter_ = await own_filter(mailbox_of(request), account, request.match_info["id"])
    return json_response(filter_out(filter_))


async def update_filter(request: web.Request, account: Account) -> web.StreamResponse:
    """Every field replaced; the filter keeps its place in the order."""
    mailbox = mailbox_of(request)
    filter_ = await own_filter(mailbox, account, request.match_info["id"])
    body = await _fields(request, account, FilterIn)
    updated = await mailbox.update_filter(account.id, filter_.id, body.fields())
    return json_response(filter_out(updated))


async def delete_filter(request: web.Request, account: Account) -> web.StreamResponse:
    mailbox = mailbox_of(request)
    filter_ = await own_filter(mailbox, account, request.match_info["id"])
    await mailbox.delete_filter(account.id, filter_.id)
    return web.Response(status=204)


async def reorder_filters(request: web.Request, account: Account) -> web.StreamResponse:
    """422 (from the store) unless the ids name each of the account's filters once."""
    body = await read_json(request, FilterOrder)
    return json_response(
        filter_list(await mailbox_of(request).reorder_filters(account.id, body.ids))
    )


async def test_filters(request: web.Request, account: Account) -> web.StreamResponse:
    """What the filters would do with one of the account's messages, as if it arrived now
    for the account's address: nothing is changed."""
    body = await read_json(request, FilterTestIn)
    mailbox = mailbox_of(request)
    message = await mailbox.message(account.id, body.message_id)
    if message.account_id != account.id:
        raise not_found()
    raw = await request.app[BLOBS].get(message.blob_id)
    facts = MessageFacts.of(raw, recipient=account.address)
    explanations = explain(await mailbox.filters(account.id), facts)
    return json_response(
        FilterTestOut(message_id=message.id, filters=[_explanation(e) for e in explanations])
    )


def _explanation(explanation: Explanation) -> FilterExplanation:
    return FilterExplanation(
        id=explanation.filter_id,
        name=explanation.name,
        matched=explanation.matched,
        skipped=explanation.skipped,
        conditions=[
            ConditionResult.model_validate({**condition.model_dump(), "held": held})
            for condition, held in explanation.conditions
        ],
        actions=[FilterAction.model_validate(a.model_dump()) for a in explanation.actions],
    )
