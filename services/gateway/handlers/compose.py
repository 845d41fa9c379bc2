"""Starting a message: a new one, a reply, a forward, or one made from a template (F1, F21,
F34). Each answers a composition to edit; nothing is stored until it is sent or saved."""

from __future__ import annotations

import email.utils
import html as html_lib

from aiohttp import web

from services.gateway.bodies import json_response, read_query
from services.gateway.context import BLOBS
from services.gateway.handlers.lookup import mailbox_of, own_message
from services.gateway.html import sanitise_html
from services.gateway.present import address_out
from services.gateway.saved import attachment_refs, composition_of, identity_for, own_saved
from services.gateway.schemas.compose import (
    CompositionOut,
    NewQuery,
    ReplyQuery,
)
from services.gateway.schemas.listing import AddressOut
from services.gateway.senders import sending_identity, signatures
from shared.mail.compose.quote import (
    ForwardHeaders,
    forward_html,
    forward_subject,
    forward_text,
    quote_html,
    quote_text,
    reply_recipients,
    reply_references,
    reply_subject,
)
from shared.mail.compose.readback import read_back
from shared.mail.compose.signature import insert_signature
from shared.mail.html_text import html_to_text
from shared.model import Account, Address, FolderRole, Identity, StoredMessage


async def new_message(request: web.Request, account: Account) -> web.StreamResponse:
    query = read_query(request, NewQuery)
    identity = await sending_identity(mailbox_of(request), account, query.identity_id)
    if query.template_id is not None:
        template = await _template(request, account, query.template_id)
        template.identity_id = query.identity_id or template.identity_id or identity.id
        return json_response(template)
    text, html = _signed("", "", identity)
    receipt = await _receipt(request, account)
    return json_response(_blank(identity, text=text, html=html, receipt=receipt))


async def reply(request: web.Request, account: Account) -> web.StreamResponse:
    query = read_query(request, ReplyQuery)
    original = await own_message(request, account)
    mailbox = mailbox_of(request)
    identities = await mailbox.identities(account.id)
    identity = await _answering_identity(request, account, original, identities)
    own = {i.address.lower() for i in identities} | {account.address.lower()}
    own |= {a.lower() for a in await mailbox.aliases(account.id)}
    to, cc = reply_recipients(
        sender=original.sender,
        reply_to=_header_addresses(original, "reply-to"),
        to=original.to,
        cc=original.cc,
        own=own,
        reply_all=query.all,
    )
    in_reply_to, references = reply_references(
        original.message_id, original.references, original.in_reply_to
    )
    author = original.sender.display() if original.sender else ""
    quoted_text = quote_text(_text_of(original), author=author, date=original.date)
    quoted_html = quote_html(_html_of(original), author=author, date=original.date)
    if query.template_id is not None:
        template = await _template(request, account, query.template_id)
        text = _join(template.text or "", quoted_text)
        html = _join(template.html or "", quoted_html) if template.html is not None else None
        attachments = template.attachments
    else:
        text, html = _signed("", "", identity)
        text, html = _join(text, quoted_text), _join(html, quoted_html)
        attachments = []
    receipt = await _receipt(request, account)
    composition = _blank(identity, text=text, html=html or "", receipt=receipt)
    composition.html = html
    composition.to = [_address(a) for a in to]
    composition.cc = [_address(a) for a in cc]
    composition.subject = reply_subject(original.subject)
    composition.in_reply_to = in_reply_to
    composition.references = references
    composition.attachments = attachments
    return json_response(composition)


async def forward(request: web.Request, account: Account) -> web.StreamResponse:
    original = await own_message(request, account)
    identities = await mailbox_of(request).identities(account.id)
    identity = await _answering_identity(request, account, original, identities)
    headers = ForwardHeaders(
        sender=original.sender,
        date=original.date,
        subject=original.subject,
        to=original.to,
        cc=original.cc,
    )
    text, html = _signed("", "", identity)
    composition = _blank(
        identity,
        text=_join(text, forward_text(_text_of(original), headers=headers)),
        html=_join(html, forward_html(_html_of(original), headers=headers)),
        receipt=await _receipt(request, account),
    )
    composition.subject = forward_subject(original.subject)
    composition.attachments = attachment_refs(original.id, original.attachments)
    return json_response(composition)


async def _receipt(request: web.Request, account: Account) -> bool:
    return (await mailbox_of(request).preferences(account.id)).always_request_receipt


async def _template(request: web.Request, account: Account, template_id: str) -> CompositionOut:
    template = await own_saved(request, account, FolderRole.TEMPLATES, template_id)
    raw = await request.app[BLOBS].get(template.blob_id)
    identities = await mailbox_of(request).identities(account.id)
    return composition_of(read_back(raw), template, identities)


async def _answering_identity(
    request: web.Request, account: Account, original: StoredMessage, identities: list[Identity]
) -> Identity:
    """The identity the original was addressed to, so the answer comes from there; else
    the default one."""
    for address in (*original.to, *original.cc):
        chosen = identity_for(Address(address=address.address), identities)
        if chosen is not None:
            return await sending_identity(mailbox_of(request), account, chosen)
    return await sending_identity(mailbox_of(request), account, None)


def _signed(text: str, html: str, identity: Identity) -> tuple[str, str]:
    """The bodies with the identity's signature, when it is automatic (F21)."""
    if not identity.signature_auto:
        return text, html
    signature_text, signature_html = signatures(identity)
    if signature_text:
        text = insert_signature(text, signature_text)
    if signature_html:
        html = insert_signature(html, signature_html, html=True)
    return text, html


def _blank(identity: Identity, *, text: str, html: str, receipt: bool) -> CompositionOut:
    return CompositionOut(
        identity_id=identity.id,
        sender=address_out(Address(name=identity.name, address=identity.address)),
        to=[],
        cc=[],
        bcc=[],
        subject="",
        text=text,
        html=html,
        attachments=[],
        priority="normal",
        request_receipt=receipt,
        in_reply_to=None,
        references=[],
    )


def _text_of(message: StoredMessage) -> str:
    return message.text_body or html_to_text(message.html_body)


def _html_of(message: StoredMessage) -> str:
    if message.html_body:
        return sanitise_html(message.html_body)
    return _escaped(message.text_body)


def _escaped(text: str) -> str:
    return html_lib.escape(text).replace("\n", "<br>\n")


def _join(first: str, second: str) -> str:
    if not first:
        return second
    return f"{first}\n\n{second}" if second else first


def _header_addresses(message: StoredMessage, name: str) -> list[Address]:
    values = [v for n, v in message.headers if n.lower() == name]
    return [Address(name=n, address=a) for n, a in email.utils.getaddresses(values) if a]


def _address(address: Address) -> AddressOut:
    return AddressOut(name=address.name, address=address.address)
