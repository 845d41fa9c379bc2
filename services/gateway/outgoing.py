"""From a composition the client sent to an `Outgoing` message: the sender identity,
recipients checked, attachments gathered from uploads, stored messages or the profile's
vCard, the HTML sanitised, the receipt request and priority settled."""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from services.gateway.attachments import PartNotFound, extract_part
from services.gateway.context import BLOBS
from services.gateway.errors import ApiError, not_found, too_large
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.html import sanitise_composed_html
from services.gateway.schemas.compose import AddressIn, AttachmentRef, CompositionIn, Recipient
from services.gateway.senders import MAX_MESSAGE, sending_identity
from shared.mail.addresses import InvalidAddress, normalize, split
from shared.mail.compose.build import make_message_id
from shared.mail.compose.types import Outgoing, OutgoingAttachment
from shared.mail.compose.vcard import vcard, vcard_filename
from shared.model import Account, Address, Identity
from shared.ports import BlobStore
from shared.ports.uses import GatewayMailbox

_MSGID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_CONTENT_ID = re.compile(r"<?([^<>\s]+)>?")


@dataclass
class Composed:
    """A composition resolved: the message, and who sends it."""

    outgoing: Outgoing
    identity: Identity
    recipients: list[str] = field(default_factory=list)  # envelope: To, Cc and Bcc, once each


async def compose(
    request: web.Request,
    account: Account,
    body: CompositionIn,
    *,
    seed: str,
    now: datetime,
) -> Composed:
    """The message `body` describes, sent by `account`. `seed` makes the Message-ID (the
    same seed, the same id: a retried send is recognised). 404 for anything named that is
    not the account's; 400 for a bad address; 413 past the size of a message."""
    mailbox = mailbox_of(request)
    identity = await sending_identity(mailbox, account, body.identity_id)
    sender = Address(name=identity.name, address=identity.address)
    to = _addresses(body.to, "to")
    cc = _addresses(body.cc, "cc")
    bcc = _addresses(body.bcc, "bcc")
    attachments = await _attachments(mailbox, request.app[BLOBS], account, body.attachments)
    html = sanitise_composed_html(body.html) if body.html is not None else None
    size = sum(len(a.data) for a in attachments) + len(body.text or "") + len(html or "")
    if size > MAX_MESSAGE:
        raise too_large(f"a message holds at most {MAX_MESSAGE // (1024 * 1024)} MB")
    receipt = body.request_receipt
    if receipt is None:
        receipt = (await mailbox.preferences(account.id)).always_request_receipt
    outgoing = Outgoing(
        sender=sender,
        reply_to=Address(address=identity.reply_to) if identity.reply_to else None,
        to=to,
        cc=cc,
        bcc=bcc,
        subject=body.subject,
        text=body.text,
        html=html,
        attachments=attachments,
        priority=body.priority,
        receipt_to=sender if receipt else None,
        in_reply_to=_message_id(body.in_reply_to, "in_reply_to") if body.in_reply_to else None,
        references=[_message_id(ref, "references") for ref in body.references],
        message_id=make_message_id(seed, split(identity.address)[1]),
        date=now,
    )
    return Composed(outgoing, identity, envelope_recipients(outgoing))


def envelope_recipients(outgoing: Outgoing) -> list[str]:
    """Every recipient once (compared without case), in header order."""
    seen: set[str] = set()
    out: list[str] = []
    for address in (*outgoing.to, *outgoing.cc, *outgoing.bcc):
        key = address.address.lower()
        if key not in seen:
            seen.add(key)
            out.append(address.address)
    return out


def _addresses(values: list[Recipient], field_name: str) -> list[Address]:
    out: list[Address] = []
    for value in values:
        if isinstance(value, AddressIn):
            name, address = value.name, value.address
        else:
            parsed = email.utils.getaddresses([value])
            if len(parsed) != 1:
                raise ApiError(400, "invalid_address", f"{field_name}: give one address each")
            name, address = parsed[0]
        address = address.strip()
        try:
            normalize(address)
        except InvalidAddress:
            raise ApiError(
                400, "invalid_address", f"{field_name}: not an e-mail address: {address!r}"
            ) from None
        if any(ch in name for ch in "\r\n") or any(ch in address for ch in "\r\n"):
            raise ApiError(400, "invalid_address", f"{field_name}: line breaks in an address")
        out.append(Address(name=name.strip(), address=address))
    return out


def _message_id(value: str, field_name: str) -> str:
    value = value.strip()
    if not _MSGID.fullmatch(value):
        raise ApiError(400, "invalid_field", f"{field_name}: not a Message-ID: {value[:80]!r}")
    return value


async def _attachments(
    mailbox: GatewayMailbox, blobs: BlobStore, account: Account, refs: list[AttachmentRef]
) -> list[OutgoingAttachment]:
    raws: dict[str, bytes] = {}  # message blobs read once however many parts are taken
    out: list[OutgoingAttachment] = []
    for ref in refs:
        if ref.upload_id is not None:
            upload = await mailbox.upload(account.id, ref.upload_id)
            if upload.account_id != account.id:
                raise not_found()
            filename, content_type = upload.filename, upload.content_type
            data = await blobs.get(upload.blob_id)
        elif ref.message_id is not None and ref.part is not None:
            message = await mailbox.message(account.id, ref.message_id)
            if message.account_id != account.id:
                raise not_found()
            if message.id not in raws:
                raws[message.id] = await blobs.get(message.blob_id)
            try:
                part = extract_part(raws[message.id], ref.part)
            except PartNotFound:
                raise not_found() from None
            filename, content_type, data = part.filename, part.content_type, part.data
        else:
            profile = await mailbox.profile(account.id)
            filename = vcard_filename(profile, account.address)
            content_type = "text/vcard"
            data = vcard(profile, account.address)
        content_id = None
        if ref.content_id:
            match = _CONTENT_ID.fullmatch(ref.content_id.strip())
            if match is None:
                raise ApiError(400, "invalid_field", "content_id: not a Content-ID")
            content_id = f"<{match.group(1)}>"
        out.append(
            OutgoingAttachment(
                filename=filename,
                content_type=content_type,
                data=data,
                content_id=content_id,
                inline=ref.inline,
            )
        )
    return out
