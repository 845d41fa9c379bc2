"""The account's filters and vacation setting as a Sieve script, and both from one (B2)."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from services.gateway.automation import check_vacation, save_preferences
from services.gateway.bodies import describe, json_response, read_json, read_query
from services.gateway.errors import ApiError
from services.gateway.handlers.filters import filter_out
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.query_text import folder_paths
from services.gateway.schemas.filters import (
    FilterIn,
    SieveExportOut,
    SieveImportIn,
    SieveImportOut,
    SieveQuery,
)
from shared.filters import FilterFields
from shared.mail.sieve import SieveSyntaxError, export_sieve_report, import_sieve
from shared.model import Account, FolderRole, Vacation

SIEVE = "application/sieve"
_INBOX = "INBOX"  # how Sieve scripts usually name the Inbox (RFC 5228 §4.1: fileinto)


async def export_filters(request: web.Request, account: Account) -> web.StreamResponse:
    """The script, folders written as their "Parent/Child" paths, then the vacation reply
    if it is on (answering the account's aliases too); `?format=json` gives it with the
    notes on what other servers will not run as Bureau does."""
    query = read_query(request, SieveQuery)
    mailbox = mailbox_of(request)
    filters = await mailbox.filters(account.id)
    paths = folder_paths(await mailbox.folders(account.id))
    ordered = sorted(filters, key=lambda f: f.position)
    vacation = (await mailbox.preferences(account.id)).vacation
    aliases = await mailbox.aliases(account.id) if vacation.enabled else []
    export = export_sieve_report(list[FilterFields](ordered), paths, vacation, aliases)
    if query.format == "json":
        return json_response(SieveExportOut(script=export.script, notes=export.notes))
    return web.Response(
        text=export.script,
        content_type=SIEVE,
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="bureau.sieve"'},
    )


async def import_filters(request: web.Request, account: Account) -> web.StreamResponse:
    """The script's filters appended (or replacing all, with `replace`); folder paths are
    read as the account's folders, and each part Bureau cannot run is reported in
    `skipped`, as is each filter the API would refuse (a bad regex or address). A vacation
    in the script replaces the account's vacation setting (switched on, it replies afresh
    to every sender), whatever `replace` says."""
    body = await read_json(request, SieveImportIn)
    mailbox = mailbox_of(request)
    folders = await mailbox.folders(account.id)
    ids = {path: folder_id for folder_id, path in folder_paths(folders).items()}
    for folder in folders:
        if folder.role is FolderRole.INBOX:
            ids.setdefault(_INBOX, folder.id)
    try:
        own = [account.address, *await mailbox.aliases(account.id)]
        result = import_sieve(body.script, ids, own)
    except SieveSyntaxError as exc:
        raise ApiError(400, "sieve_syntax", str(exc)) from None
    if result.vacation is not None:
        check_vacation(result.vacation)  # before anything is saved
    skipped = list(result.skipped)
    accepted: list[FilterFields] = []
    for fields in result.filters:
        try:
            accepted.append(FilterIn.model_validate(fields.model_dump()).fields())
        except ValidationError as exc:
            skipped.append(f"filter {fields.name!r}: {describe(exc)}")
    if body.replace:
        imported = await mailbox.replace_filters(account.id, accepted)
    else:
        imported = [await mailbox.create_filter(account.id, fields) for fields in accepted]
    vacation: Vacation | None = None
    if result.vacation is not None:
        current = await mailbox.preferences(account.id)
        new = current.model_copy(update={"vacation": result.vacation})
        vacation = (await save_preferences(mailbox, account, current, new)).vacation
    return json_response(
        SieveImportOut(
            filters=[filter_out(f) for f in imported], skipped=skipped, vacation=vacation
        )
    )
