"""STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, with .SILENT.

System flags go to the store in one `set_flags` call for all the messages; keywords are
tags, put on or taken off with `tag_messages` (a new keyword makes a tag, and the FLAGS
of the mailbox are announced again)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import messages_in, store_errors
from services.gateway.imap.flags import SYSTEM_FLAGS, keyword_of, split_flags, system_change
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.selected import Message
from services.gateway.imap.tokens import Atom, text_of
from shared.model import Selection
from shared.receipts import MDN_SENT, settled_by_client

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

_ITEMS = {"FLAGS": "=", "+FLAGS": "+", "-FLAGS": "-"}


async def store(session: Session, command: Command, *, uid: bool = False) -> str | None:
    if len(command.args) < 3 or not isinstance(command.args[1], Atom):
        raise Bad("STORE takes a sequence set, a data item and flags")
    selected = session.require_selected()
    item = command.args[1].upper()
    silent = item.endswith(".SILENT")
    mode = _ITEMS.get(item.removesuffix(".SILENT"))
    if mode is None:
        raise Bad(f"Unknown STORE data item {item}")
    values = command.args[2:]
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    try:
        system, keywords = split_flags(text_of(v) for v in values)
    except ValueError as exc:
        raise Bad(str(exc)) from None
    picked = messages_in(session, command.args[0], uid=uid)
    if selected.read_only:
        raise No("Mailbox is read-only", "READ-ONLY")
    live = [(seq, m) for seq, m in picked if not selected.is_expunged(m)]
    if live:
        await _apply(session, [m for _, m in live], system, keywords, mode)
    if not silent:
        for seq, message in live:
            flags = " ".join(message.flags.names())
            uid_item = f"UID {message.uid} " if uid else ""
            session.out.untagged(f"{seq} FETCH ({uid_item}FLAGS ({flags}))")
            await session.out.maybe_flush()
    return None


async def _apply(
    session: Session, messages: list[Message], system: set[str], keywords: set[str], mode: str
) -> None:
    store = session.front.mailbox
    keyring = session.keywords
    assert keyring is not None
    selection = Selection(message_ids=[m.id for m in messages])
    with store_errors():
        if mode != "-" and any(k.lower() == MDN_SENT.lower() for k in keywords):
            # The client sent or declined the read receipt itself (RFC 3503).
            await settled_by_client(store, session.account_id, [m.id for m in messages])
        if mode == "=" or system:
            await store.set_flags(session.account_id, selection, system_change(system, mode))
        names: set[str] = set()
        created = False
        for keyword in sorted(keywords):
            known = await keyring.tag(keyword, create=False)
            tag = known or (await keyring.tag(keyword, create=mode != "-"))
            created = created or (known is None and tag is not None)
            if tag is None:
                continue
            names.add(tag.name)
            if mode != "-":
                await store.tag_messages(session.account_id, selection, tag.id, add=True)
            else:
                await store.tag_messages(session.account_id, selection, tag.id, add=False)
        if mode == "=":
            stale = set().union(*(m.flags.keywords for m in messages)) - names
            for name in sorted(stale):
                tag = await keyring.tag(keyword_of(name), create=False)
                if tag is not None:
                    await store.tag_messages(session.account_id, selection, tag.id, add=False)
    selected = session.require_selected()
    for message in messages:
        flags = message.flags.with_system(system, mode) if mode == "=" or system else message.flags
        selected.set_flags(message, flags.with_keywords(names, mode))
    if created:
        names_all = " ".join([*SYSTEM_FLAGS, *await keyring.all()])
        session.out.untagged(f"FLAGS ({names_all})")
        session.out.untagged(f"OK [PERMANENTFLAGS ({names_all} \\*)] Flags permitted")
