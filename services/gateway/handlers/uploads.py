"""Files uploaded for messages being composed: streamed to the blob store, never held
whole in memory (the app's body limit only covers JSON requests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

from aiohttp import BodyPartReader, MultipartReader, hdrs, web
from aiohttp.http_exceptions import BadHttpMessage

from services.gateway import senders
from services.gateway.attachments import content_disposition, safe_filename
from services.gateway.bodies import json_response, read_query
from services.gateway.context import BLOBS
from services.gateway.errors import ApiError, not_found, too_large
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.part_types import OPAQUE, protective_headers, served_as
from services.gateway.schemas import AttachmentQuery, UploadList, UploadOut
from shared.model import Account, Upload
from shared.ports import BlobNotFound, NotFound
from shared.ports.blobs import BlobTooLarge
from shared.ports.submissions import Submissions

FIELD = "file"
MAX_FILES = 100  # per request: empty files cost no bytes but still a row each
_CHUNK = 64 * 1024
_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_PLAIN_ENCODINGS = frozenset({"", "binary", "8bit", "7bit"})


class _Malformed(Exception):
    """The multipart body cannot be read."""


def upload_out(upload: Upload) -> UploadOut:
    return UploadOut(
        id=upload.id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        created_at=upload.created_at,
    )


def upload_filename(name: str | None) -> str:
    """The user's file name without the directories some browsers send ("C:\\x\\a.pdf"),
    control characters or anything unsafe in a file name or header."""
    base = re.split(r"[/\\]", name or "")[-1]
    return safe_filename(base, fallback="attachment")


def upload_content_type(header: str | None) -> str:
    """The part's "type/subtype" without parameters, if it is a well-formed one."""
    ctype = (header or "").split(";", 1)[0].strip().lower()
    return ctype if _TYPE.fullmatch(ctype) else OPAQUE


async def own_upload(mailbox: Submissions, account: Account, upload_id: str) -> Upload:
    """The account's upload; another account's looks exactly like a missing one."""
    try:
        upload = await mailbox.upload(account.id, upload_id)
    except NotFound:
        raise not_found() from None
    if upload.account_id != account.id:
        raise not_found()
    return upload


async def create_uploads(request: web.Request, account: Account) -> web.StreamResponse:
    """Every part named "file" of a multipart/form-data body becomes an upload, at most
    `MAX_FILES` of them. Together they may not pass the size of a whole message (413
    `payload_too_large`); files stored before the one that did are forgotten when uploads
    expire."""
    if request.content_type != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "the body must be multipart/form-data")
    budget = senders.MAX_MESSAGE
    uploads: list[Upload] = []
    try:
        reader = await _reader(request)
        while (part := await _next_part(reader)) is not None:
            if isinstance(part, MultipartReader) or part.name != FIELD:
                raise ApiError(400, "invalid_field", f'only files, each in a field "{FIELD}"')
            if part.filename == "":  # a form's file input left empty
                continue  # the reader skips what is left of it
            if len(uploads) == MAX_FILES:
                raise ApiError(400, "too_many_files", f"at most {MAX_FILES} files at a time")
            upload = await _store(request, account, part, budget)
            budget -= upload.size
            uploads.append(upload)
    except BlobTooLarge:
        raise too_large(f"the files are larger than a message may be ({_mb()})") from None
    except _Malformed as exc:
        raise ApiError(400, "invalid_multipart", "the multipart body is malformed") from exc
    if not uploads:
        raise ApiError(400, "no_files", f'no file in the body (field "{FIELD}")')
    return json_response(UploadList(uploads=[upload_out(u) for u in uploads]), status=201)


async def _reader(request: web.Request) -> MultipartReader:
    try:
        return await request.multipart()
    except (ValueError, AssertionError) as exc:  # no boundary
        raise _Malformed(str(exc)) from exc


async def _next_part(reader: MultipartReader) -> MultipartReader | BodyPartReader | None:
    try:
        return await reader.next()
    except (ValueError, RuntimeError, BadHttpMessage) as exc:  # the last: a part's headers
        raise _Malformed(str(exc)) from exc


async def _store(
    request: web.Request, account: Account, part: BodyPartReader, budget: int
) -> Upload:
    encoding = part.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "").strip().lower()
    if encoding not in _PLAIN_ENCODINGS and encoding != "base64":
        raise ApiError(400, "invalid_multipart", f"unsupported transfer encoding {encoding!r}")
    blob_id, size = await request.app[BLOBS].put_stream(
        _chunks(part, base64=encoding == "base64"), max_size=budget
    )
    upload = Upload(
        id=uuid4().hex,
        account_id=account.id,
        blob_id=blob_id,
        filename=upload_filename(part.filename),
        content_type=upload_content_type(part.headers.get(hdrs.CONTENT_TYPE)),
        size=size,
        created_at=datetime.now(UTC),
    )
    return await mailbox_of(request).add_upload(upload)


async def _chunks(part: BodyPartReader, *, base64: bool) -> AsyncIterator[bytes]:
    while not part.at_eof():  # reading past the body's end raises: no endless loop
        try:
            chunk = await part.read_chunk(_CHUNK)
            if base64:  # aiohttp hands base64 over in whole quartets
                chunk = bytes(part.decode(chunk))
        except (ValueError, RuntimeError) as exc:  # binascii.Error is a ValueError
            raise _Malformed(str(exc)) from exc
        if chunk:
            yield chunk


def _mb() -> str:
    return f"{senders.MAX_MESSAGE / (1024 * 1024):g} MB"


async def get_upload(request: web.Request, account: Account) -> web.StreamResponse:
    upload = await own_upload(mailbox_of(request), account, request.match_info["id"])
    return json_response(upload_out(upload))


async def get_upload_content(request: web.Request, account: Account) -> web.StreamResponse:
    """The bytes as uploaded; risky types only as an opaque download, as attachments."""
    query = read_query(request, AttachmentQuery)
    upload = await own_upload(mailbox_of(request), account, request.match_info["id"])
    try:
        data = await request.app[BLOBS].get(upload.blob_id)
    except BlobNotFound:  # expired and collected meanwhile
        raise not_found() from None
    content_type, inline = served_as(upload.content_type, want_inline=query.inline)
    headers = protective_headers(content_type, inline=inline) | {
        "Content-Disposition": content_disposition(upload.filename, inline)
    }
    return web.Response(body=data, content_type=content_type, headers=headers)
