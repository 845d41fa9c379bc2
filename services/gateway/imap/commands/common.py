"""What several commands share: store errors as IMAP responses, arguments."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from services.gateway.imap.names import Mailbox, MailboxTree
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.selected import Message
from services.gateway.imap.seqset import SequenceSet, parse_sequence_set
from services.gateway.imap.tokens import Atom, Token
from shared.ports import BlobStore
from shared.ports.blobs import BlobNotFound
from shared.ports.mailbox import Conflict, NotFound, Refused

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

_AHEAD = 32  # message bytes read ahead of the one being answered


@contextmanager
def store_errors() -> Iterator[None]:
    """The mailbox store's refusals as tagged NO responses (RFC 5530 codes)."""
    try:
        yield
    except NotFound as exc:
        raise No(f"No such mailbox or message ({exc})", "NONEXISTENT") from None
    except Conflict as exc:
        raise No(str(exc), "ALREADYEXISTS") from None
    except Refused as exc:
        code = "OVERQUOTA" if "quota" in str(exc).lower() else "CANNOT"
        raise No(str(exc), code) from None


def arity(args: list[Token], *counts: int) -> None:
    if len(args) not in counts:
        raise Bad("Wrong number of arguments")


def sequence_arg(token: Token) -> SequenceSet:
    if not isinstance(token, Atom):
        raise Bad("Expected a sequence set")
    return parse_sequence_set(token.value)


async def existing(session: Session, token: Token, *, code: str = "NONEXISTENT") -> Mailbox:
    """The mailbox a name argument names; NO with `code` (TRYCREATE for APPEND, COPY,
    MOVE) if there is none."""
    name = session.mailbox_arg(token)
    mailbox = (await session.tree()).find(name)
    if mailbox is None:
        raise No("Mailbox doesn't exist: " + name, code)
    return mailbox


def messages_in(session: Session, token: Token, *, uid: bool) -> list[tuple[int, Message]]:
    """The messages of the selected mailbox a sequence set names."""
    return session.require_selected().resolve(sequence_arg(token), uid=uid)


async def destination(session: Session, token: Token) -> tuple[MailboxTree, Mailbox]:
    name = session.mailbox_arg(token)
    tree = await session.tree()
    mailbox = tree.find(name)
    if mailbox is None:
        raise No("Mailbox doesn't exist: " + name, "TRYCREATE")
    return tree, mailbox


async def with_bytes(
    blobs: BlobStore, picked: list[tuple[int, Message]], needs_raw: bool
) -> AsyncIterator[tuple[int, Message, bytes | None]]:
    """The messages with their bytes (None when not needed or gone), reading ahead."""
    if not needs_raw:
        for seq, message in picked:
            yield seq, message, None
        return

    async def load(message: Message) -> bytes | None:
        if message.blob_id is None:
            return None
        try:
            return await blobs.get(message.blob_id)
        except BlobNotFound:
            return None

    pending: list[asyncio.Task[bytes | None]] = []
    try:
        for index, (seq, message) in enumerate(picked):
            while len(pending) <= min(_AHEAD, len(picked) - index - 1):
                ahead = index + len(pending)
                pending.append(asyncio.create_task(load(picked[ahead][1])))
            raw = await pending.pop(0)
            yield seq, message, raw
    finally:
        for task in pending:
            task.cancel()
