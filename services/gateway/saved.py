"""Drafts and templates (F2, F34) are messages in their system folder: saving builds the
message and delivers it there, replacing the previous version; reading one back gives
the composition it was saved from."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from services.gateway.context import BLOBS
from services.gateway.errors import ApiError, not_found
from services.gateway.handlers.lookup import mailbox_of
from services.gateway.outgoing import compose
from services.gateway.present import address_out
from services.gateway.schemas.compose import (
    AddressIn,
    AttachmentRef,
    AttachmentRefOut,
    CompositionIn,
    CompositionOut,
    SavedMessage,
)
from services.gateway.schemas.listing import AddressOut
from shared.events import new_event_id
from shared.mail.compose.build import build_message
from shared.mail.compose.readback import ReadBack, read_back
from shared.mail.mime import parse_message
from shared.model import (
    Account,
    Address,
    Attachment,
    FolderRole,
    Identity,
    NewMessage,
    Selection,
)
from shared.model import StoredMessage as Stored
from shared.ports.identities import Identities
from shared.workflows.sending import Refusal, make_room


async def own_saved(
    request: web.Request, account: Account, role: FolderRole, message_id: str | None = None
) -> Stored:
    """The message named (by default in the path), if it is one of the account's drafts
    (or templates, for that role)."""
    mailbox = mailbox_of(request)
    if message_id is None:
        message_id = request.match_info["id"]
    message = await mailbox.message(account.id, message_id)
    folder = await mailbox.folder_by_role(account.id, role)
    if message.account_id != account.id or message.folder_id != folder.id:
        raise not_found()
    return message


async def save(
    request: web.Request,
    account: Account,
    body: CompositionIn,
    role: FolderRole,
    *,
    replaces: Stored | None = None,
) -> SavedMessage:
    """Build the message and put it in the folder of `role`; the version it `replaces`
    goes once the new one is stored (its attachments may be taken from it)."""
    mailbox = mailbox_of(request)
    blobs = request.app[BLOBS]
    now = datetime.now(UTC)
    seed = new_event_id()
    composed = await compose(request, account, body, seed=seed, now=now)
    raw = build_message(composed.outgoing, include_bcc=True)
    try:
        await make_room(mailbox, account, len(raw))
    except Refusal as refusal:
        raise ApiError(507, refusal.code, refusal.message) from None
    folder = await mailbox.folder_by_role(account.id, role)
    delivery = await mailbox.deliver(
        NewMessage(
            event_id=seed,
            account_id=account.id,
            folder_id=folder.id,
            blob_id=await blobs.put(raw),
            size=len(raw),
            received_at=now,
            unread=False,
            parsed=parse_message(raw),
        )
    )
    if replaces is not None:
        await mailbox.destroy_messages(account.id, Selection.of(replaces.id))
    stored = await mailbox.message(account.id, delivery.message_id)
    return await saved_message(mailbox, account, stored, raw)


async def saved_message(
    mailbox: Identities, account: Account, message: Stored, raw: bytes
) -> SavedMessage:
    composition = composition_of(read_back(raw), message, await mailbox.identities(account.id))
    return SavedMessage(
        id=message.id,
        folder_id=message.folder_id,
        date=message.date,
        **composition.model_dump(by_alias=False),
    )


def composition_of(back: ReadBack, message: Stored, identities: list[Identity]) -> CompositionOut:
    """The composition a stored message was made from; its attachments are named as parts
    of that message."""
    return CompositionOut(
        identity_id=identity_for(back.sender, identities),
        sender=address_out(back.sender),
        to=_out(back.to),
        cc=_out(back.cc),
        bcc=_out(back.bcc),
        subject=back.subject,
        text=back.text,
        html=back.html,
        attachments=attachment_refs(message.id, back.attachments),
        priority=back.priority,
        request_receipt=back.receipt_to is not None,
        in_reply_to=back.in_reply_to,
        references=back.references,
    )


def attachment_refs(message_id: str, attachments: list[Attachment]) -> list[AttachmentRefOut]:
    """Attachments of a stored message, named as its parts (to send them on)."""
    return [
        AttachmentRefOut(
            message_id=message_id,
            part=a.part,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            inline=a.inline,
            content_id=a.content_id,
        )
        for a in attachments
    ]


def composition_in(out: CompositionOut) -> CompositionIn:
    """A composition as read back, ready to be sent or saved again."""
    return CompositionIn(
        identity_id=out.identity_id,
        to=[AddressIn(name=a.name, address=a.address) for a in out.to],
        cc=[AddressIn(name=a.name, address=a.address) for a in out.cc],
        bcc=[AddressIn(name=a.name, address=a.address) for a in out.bcc],
        subject=out.subject,
        text=out.text,
        html=out.html,
        attachments=[
            AttachmentRef(
                message_id=a.message_id,
                part=a.part,
                inline=a.inline,
                content_id=a.content_id,
            )
            for a in out.attachments
        ],
        priority=out.priority,
        request_receipt=out.request_receipt,
        in_reply_to=out.in_reply_to,
        references=out.references,
    )


def identity_for(sender: Address | None, identities: list[Identity]) -> str | None:
    """The identity a message was written as: same address and name, else same address."""
    if sender is None:
        return None
    same = [i for i in identities if i.address.lower() == sender.address.lower()]
    for identity in same:
        if identity.name == sender.name:
            return identity.id
    return same[0].id if same else None


def _out(addresses: list[Address]) -> list[AddressOut]:
    return [AddressOut(name=a.name, address=a.address) for a in addresses]
