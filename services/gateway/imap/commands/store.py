"""STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, with .SILENT.

System flags and keywords (tags) go to the store in one `change_flags` call for all the
messages: one change, each message written once. A new keyword makes a tag, and the FLAGS
of the mailbox are announced again. A STORE past the store's `TagLimits` (keywords per
message, tags per account, the size of one change) changes nothing: NO [LIMIT] (RFC 5530).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import messages_in, store_errors
from services.gateway.imap.flags import SYSTEM_FLAGS, split_flags, system_change
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.selected import Message
from services.gateway.imap.tokens import Atom, text_of
from services.gateway.receipt_keywords import MDN_SENT, settled_by_client
from shared.model import FlagChange, Selection, TagChange

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
    ids = [m.id for m in messages]
    if mode == "-":
        names, new = await _known(session, keywords), 0
    else:
        names, new = await keyring.names(keywords)
    if mode == "=":
        tags = TagChange(replace=names, create=True)
    elif mode == "+":
        tags = TagChange(add=names, create=True)
    else:
        tags = TagChange(remove=names)
    flags = system_change(system, mode) if mode == "=" or system else FlagChange()
    with store_errors():
        await store.change_flags(session.account_id, Selection(message_ids=ids), flags, tags)
        if mode != "-" and any(k.lower() == MDN_SENT.lower() for k in keywords):
            # The client sent or declined the read receipt itself (RFC 3503).
            await settled_by_client(store, session.account_id, ids)
    selected = session.require_selected()
    for message in messages:
        after = message.flags.with_system(system, mode) if mode == "=" or system else message.flags
        selected.set_flags(message, after.with_keywords(set(names), mode))
    if new:
        keyring.forget()
        session.out.untagged(f"FLAGS ({' '.join([*SYSTEM_FLAGS, *await keyring.all()])})")
        session.out.untagged(f"OK [PERMANENTFLAGS ({await keyring.permanent()})] Flags permitted")


async def _known(session: Session, keywords: set[str]) -> list[str]:
    """The tag names of the keywords that have a tag (-FLAGS takes off only those)."""
    assert session.keywords is not None
    tags = [await session.keywords.tag(k) for k in sorted(keywords)]
    return [t.name for t in tags if t is not None]
