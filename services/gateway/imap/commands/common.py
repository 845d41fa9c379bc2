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
from shared.ports.mailbox import Busy, Conflict, LimitExceeded, NotFound, Refused

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

_BATCH = 64  # messages whose bytes are read in one go
_HEAD = 32 * 1024  # what a header-only read takes first: nearly every header fits


@contextmanager
def store_errors() -> Iterator[None]:
    """The mailbox store's refusals as tagged NO responses (RFC 5530 codes)."""
    try:
        yield
    except NotFound as exc:
        raise No(f"No such mailbox or message ({exc})", "NONEXISTENT") from None
    except Conflict as exc:
        raise No(str(exc), "ALREADYEXISTS") from None
    except LimitExceeded as exc:
        raise No(str(exc), "LIMIT") from None
    except Busy:
        raise No("The mailbox is busy: try again", "INUSE") from None
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
    blobs: BlobStore,
    picked: list[tuple[int, Message]],
    needs_raw: bool,
    *,
    header_only: bool = False,
) -> AsyncIterator[tuple[int, Message, bytes | None]]:
    """The messages with their bytes (None when not needed or gone), read a batch at a
    time, the next batch while the current one is answered. With `header_only`, only as
    much as holds the header (the whole message when the header is longer than that)."""
    if not needs_raw:
        for seq, message in picked:
            yield seq, message, None
        return

    async def read(ids: list[str]) -> list[bytes | None]:
        if not header_only:
            return await blobs.get_many(ids)
        heads = await blobs.get_many(ids, head=_HEAD)
        short = [i for i, raw in enumerate(heads) if raw is not None and not _has_header(raw)]
        if short:
            for i, raw in zip(short, await blobs.get_many([ids[i] for i in short]), strict=True):
                heads[i] = raw
        return heads

    def load(batch: list[tuple[int, Message]]) -> asyncio.Task[list[bytes | None]]:
        return asyncio.create_task(read([m.blob_id for _, m in batch]))

    batches = [picked[i : i + _BATCH] for i in range(0, len(picked), _BATCH)]
    pending = load(batches[0]) if batches else None
    try:
        for index, batch in enumerate(batches):
            assert pending is not None
            raws = await pending
            pending = load(batches[index + 1]) if index + 1 < len(batches) else None
            for (seq, message), raw in zip(batch, raws, strict=True):
                yield seq, message, raw
    finally:
        if pending is not None:
            pending.cancel()


def _has_header(head: bytes) -> bool:
    """Whether these first bytes of a message hold its whole header: the blank line that
    ends it, or the message's end (a read shorter than asked)."""
    return len(head) < _HEAD or b"\n\r\n" in head or b"\n\n" in head
