"""COPY and MOVE (RFC 3501 §6.4.7, RFC 6851, RFC 4315 COPYUID), EXPUNGE and UID EXPUNGE,
CLOSE, UNSELECT, CHECK (RFC 3501 §6.4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import arity, destination, messages_in, store_errors
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import No
from services.gateway.imap.selected import Message, Selected
from services.gateway.imap.seqset import format_uids
from shared.model import Selection
from shared.ports.mailbox import NotFound
from shared.ports.messages import Messages

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

# Above this many messages, their new UIDs are read from the destination's UID listing
# rather than one message at a time.
_MANY = 64


async def _new_uids(
    store: Messages, account_id: str, folder_id: str, ids: list[str]
) -> list[int] | None:
    """The UIDs of these messages (in this order) in the folder they now are in."""
    if len(ids) > _MANY:
        by_id = {e.id: e.uid for e in await store.folder_uids(account_id, folder_id)}
        found = [by_id.get(i) for i in ids]
    else:
        found = []
        for message_id in ids:
            try:
                found.append((await store.message(account_id, message_id)).uid)
            except NotFound:
                found.append(None)
    if any(uid is None for uid in found):
        return None
    return [uid for uid in found if uid is not None]


def _live(selected: Selected, picked: list[tuple[int, Message]]) -> list[Message]:
    return [m for _, m in picked if not selected.is_expunged(m)]


async def copy(session: Session, command: Command, *, uid: bool = False) -> str | None:
    arity(command.args, 2)
    selected = session.require_selected()
    messages = _live(selected, messages_in(session, command.args[0], uid=uid))
    _, target = await destination(session, command.args[1])
    if not messages:
        return None
    store = session.front.mailbox
    quota = await store.quota(session.account_id)
    if not quota.admits(sum(m.size for m in messages)):
        raise No("Quota exceeded (mailbox full)", "OVERQUOTA")
    with store_errors():
        new_ids = await store.copy_messages(
            session.account_id, Selection(message_ids=[m.id for m in messages]), target.folder.id
        )
    if len(new_ids) != len(messages):
        return None  # some vanished meanwhile: which copy is which is unknown
    uids = await _new_uids(store, session.account_id, target.folder.id, new_ids)
    if uids is None:
        return None
    source = format_uids(m.uid for m in messages)
    return f"[COPYUID {target.folder.uidvalidity} {source} {format_uids(uids)}] COPY completed"


async def move(session: Session, command: Command, *, uid: bool = False) -> str | None:
    arity(command.args, 2)
    selected = session.require_selected()
    if selected.read_only:
        raise No("Mailbox is read-only", "READ-ONLY")
    messages = _live(selected, messages_in(session, command.args[0], uid=uid))
    _, target = await destination(session, command.args[1])
    if not messages:
        return None
    store = session.front.mailbox
    with store_errors():
        moved = set(
            await store.move_messages(
                session.account_id,
                Selection(message_ids=[m.id for m in messages]),
                target.folder.id,
            )
        )
    gone = [m for m in messages if m.id in moved]
    uids = await _new_uids(store, session.account_id, target.folder.id, [m.id for m in gone])
    if gone and uids is not None:
        source = format_uids(m.uid for m in gone)
        session.out.untagged(
            f"OK [COPYUID {target.folder.uidvalidity} {source} {format_uids(uids)}] Moved"
        )
    selected.expunge(session.out, {m.uid for m in gone})
    return None


async def _expunge(session: Session, only: set[int] | None) -> None:
    selected = session.require_selected()
    await selected.poll()  # \Deleted set by others counts too
    doomed = [
        m
        for uid, m in selected.by_uid.items()
        if m.flags.deleted and not selected.is_expunged(m) and (only is None or uid in only)
    ]
    if not doomed:
        return
    with store_errors():
        removal = await session.front.mailbox.destroy_messages(
            session.account_id, Selection(message_ids=[m.id for m in doomed])
        )
    removed = set(removal.message_ids)
    selected.expunge(session.out, {m.uid for m in doomed if m.id in removed})


async def expunge(session: Session, command: Command) -> str | None:
    arity(command.args, 0)
    if session.require_selected().read_only:
        raise No("Mailbox is read-only", "READ-ONLY")
    await _expunge(session, None)
    return None


async def uid_expunge(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    if session.require_selected().read_only:
        raise No("Mailbox is read-only", "READ-ONLY")
    picked = messages_in(session, command.args[0], uid=True)
    await _expunge(session, {m.uid for _, m in picked})
    return None


async def close(session: Session, command: Command) -> str | None:
    arity(command.args, 0)
    selected = session.require_selected()
    if not selected.read_only:
        await selected.poll()
        doomed = [m.id for m in selected.by_uid.values() if m.flags.deleted]
        if doomed:
            with store_errors():
                await session.front.mailbox.destroy_messages(
                    session.account_id, Selection(message_ids=doomed)
                )
    session.selected = None
    return None


async def unselect(session: Session, command: Command) -> str | None:
    arity(command.args, 0)
    session.require_selected()
    session.selected = None
    return None


async def check(session: Session, command: Command) -> str | None:
    arity(command.args, 0)
    return None
