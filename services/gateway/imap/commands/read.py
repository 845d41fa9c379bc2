"""FETCH and UID FETCH (RFC 3501 §6.4.5, RFC 9051): responses stream as they are made, and
a message's bytes are read only when an item needs them, a few messages ahead.

Fetching message content without .PEEK sets \\Seen in a read-write mailbox, and the
response then carries the new FLAGS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import messages_in, store_errors, with_bytes
from services.gateway.imap.fetch import (
    FetchItem,
    FetchKind,
    FetchMessage,
    UnknownTransferEncoding,
    parse_fetch_items,
    render_fetch,
)
from services.gateway.imap.flags import SEEN
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.selected import Message
from shared.model import FlagChange, Selection

if TYPE_CHECKING:
    from services.gateway.imap.parser import Command
    from services.gateway.imap.session import Session

_FLAGS = FetchItem(FetchKind.FLAGS)


async def fetch(session: Session, command: Command, *, uid: bool = False) -> str | None:
    if len(command.args) != 2:
        raise Bad("FETCH takes a sequence set and data items")
    selected = session.require_selected()
    items = parse_fetch_items(command.args[1])
    picked = messages_in(session, command.args[0], uid=uid)
    if not picked:
        return None
    seen_now: set[int] = set()
    if not selected.read_only and any(item.sets_seen for item in items):
        seen_now = await _mark_seen(session, [m for _, m in picked])
    with_flags = items if _FLAGS in items else [*items, _FLAGS]
    needs_raw = any(item.needs_raw for item in items)
    missing = 0
    out = session.out
    header_only = all(item.header_only or not item.needs_raw for item in items)
    async for seq, message, raw in with_bytes(
        session.front.blobs, picked, needs_raw, header_only=header_only
    ):
        if needs_raw and raw is None:
            missing += 1
            continue
        wanted = with_flags if message.uid in seen_now else items
        data = FetchMessage(
            uid=message.uid,
            flags=message.flags.names(),
            internaldate=message.internaldate,
            size=message.size,
            raw=raw,
        )
        try:
            rendered = render_fetch(wanted, data, with_uid=uid)
        except UnknownTransferEncoding:
            raise No("Unknown Content-Transfer-Encoding", "UNKNOWN-CTE") from None
        out.raw(b"* %d FETCH (" % seq + rendered + b")\r\n")
        if wanted is with_flags:
            selected.told_flags(message)
        await out.maybe_flush()
    if missing:
        raise No("Some messages were expunged meanwhile", "EXPUNGEISSUED")
    return None


async def _mark_seen(session: Session, messages: list[Message]) -> set[int]:
    """Set \\Seen on those not seen yet; returns their UIDs."""
    selected = session.require_selected()
    unseen = [m for m in messages if not m.flags.seen and not selected.is_expunged(m)]
    if not unseen:
        return set()
    with store_errors():
        await session.front.mailbox.set_flags(
            session.account_id,
            Selection(message_ids=[m.id for m in unseen]),
            FlagChange(unread=False),
        )
    for message in unseen:
        selected.set_flags(message, message.flags.with_system({SEEN}, "+"))
    return {m.uid for m in unseen}
