"""APPEND (RFC 3501 §6.3.11, RFC 4315 APPENDUID): how clients import mail and save drafts
and sent copies. The message is stored like delivered mail (blob, parse, `deliver`) in
the named mailbox, with its flags and internal date; keywords become tags."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.gateway.imap import wire
from services.gateway.imap.commands.common import store_errors
from services.gateway.imap.flags import ANSWERED, DELETED, DRAFT, FLAGGED, SEEN, split_flags
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.tokens import Atom, text_of
from shared.events import new_event_id
from shared.mail.mime import parse_message
from shared.model import MAX_TAG_NAME, FlagChange, NewMessage, Selection, TagChange
from shared.workflows.sending import Refusal, make_room

if TYPE_CHECKING:
    from services.gateway.imap.session import Session


async def append(session: Session, command: Command) -> str | None:
    args = list(command.args)
    if len(args) < 2 or len(args) > 4:
        raise Bad("APPEND takes a mailbox, optional flags and date, and a message literal")
    name = session.mailbox_arg(args.pop(0))
    raw = args.pop()
    if not isinstance(raw, bytes):
        raise Bad("Expected the message as a literal")
    flags: set[str] = set()
    keywords: set[str] = set()
    first = args[0] if args else None
    if isinstance(first, list):
        args.pop(0)
        try:
            flags, keywords = split_flags(text_of(t) for t in first)
        except ValueError as exc:
            raise Bad(str(exc)) from None
    received_at = datetime.now(UTC)
    if args:
        date = args.pop(0)
        if isinstance(date, list) or (isinstance(date, Atom) and date.upper() == "NIL"):
            raise Bad("Invalid date-time")
        received_at = wire.parse_date_time(text_of(date))
    if args:
        raise Bad("Unexpected APPEND arguments")
    if not raw:
        raise No("Cannot save an empty message", "CANNOT")
    mailbox = (await session.tree()).find(name)
    if mailbox is None:
        raise No("Mailbox doesn't exist: " + name, "TRYCREATE")
    store = session.front.mailbox
    assert session.account is not None and session.keywords is not None
    # Keywords past the store's bounds refuse the message before it is stored.
    names, new = await session.keywords.names(keywords)
    if len(names) > store.tag_limits.per_message:
        raise No(f"A message carries at most {store.tag_limits.per_message} keywords", "LIMIT")
    if any(len(name) > MAX_TAG_NAME for name in names):
        raise No(f"A keyword has at most {MAX_TAG_NAME} characters", "LIMIT")
    if new > await session.keywords.room():
        raise No("No more keywords can be made in this account", "LIMIT")
    try:
        await make_room(store, session.account, len(raw))
    except Refusal:
        raise No("Quota exceeded (mailbox full)", "OVERQUOTA") from None
    parsed = await asyncio.to_thread(parse_message, raw)
    with store_errors():
        delivery = await store.deliver(
            NewMessage(
                event_id=new_event_id(),
                account_id=session.account_id,
                folder_id=mailbox.folder.id,
                blob_id=await session.front.blobs.put(raw),
                size=len(raw),
                received_at=received_at,
                unread=SEEN not in flags,
                flagged=FLAGGED in flags,
                answered=ANSWERED in flags,
                draft=DRAFT in flags,
                deleted=DELETED in flags,
                parsed=parsed,
            )
        )
        if names:
            await store.change_flags(
                session.account_id,
                Selection.of(delivery.message_id),
                FlagChange(),
                TagChange(add=names, create=True),
            )
            if new:
                session.keywords.forget()
        stored = await store.message(session.account_id, delivery.message_id)
    return f"[APPENDUID {mailbox.folder.uidvalidity} {stored.uid}] APPEND completed"
