"""SEARCH and UID SEARCH (RFC 3501 §6.4.4, RFC 9051), with ESEARCH results (RFC 4731)
when RETURN is given or IMAP4rev2 is enabled, and SAVE into `$` (RFC 5182).

Flags, sizes, dates and UIDs come from the session's listing; a message's bytes are read
only when a key needs them (headers, body, text, sent dates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import with_bytes
from services.gateway.imap.responses import No
from services.gateway.imap.search import BadCharset, SearchMessage, SearchProgram, parse_search
from services.gateway.imap.seqset import format_uids

if TYPE_CHECKING:
    from services.gateway.imap.parser import Command
    from services.gateway.imap.selected import Message, Selected
    from services.gateway.imap.session import Session


async def search(session: Session, command: Command, *, uid: bool = False) -> str | None:
    selected = session.require_selected()
    try:
        program = parse_search(command.args)
    except BadCharset:
        raise No("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)") from None
    matched = await _matches(session, selected, program)
    numbers = [m.uid if uid else seq for seq, m in matched]
    returns = program.returns
    if returns is not None and "SAVE" in returns:
        _save(selected, matched, returns)
    if returns is None and not session.rev2:
        session.out.untagged(" ".join(["SEARCH", *map(str, numbers)]))
        return None
    options = returns or ("ALL",)
    if options == ("SAVE",):
        return None  # SAVE alone answers no ESEARCH (RFC 5182 §2.4)
    session.out.untagged(_esearch(command.tag, numbers, options, uid=uid))
    return None


async def _matches(
    session: Session, selected: Selected, program: SearchProgram
) -> list[tuple[int, Message]]:
    picked = [(seq, selected.by_uid[u]) for seq, u in enumerate(selected.uids, start=1)]
    largest_uid = selected.uids[-1] if selected.uids else 0
    matched: list[tuple[int, Message]] = []
    async for seq, message, raw in with_bytes(session.front.blobs, picked, program.needs_raw):
        if program.needs_raw and raw is None:
            continue  # gone meanwhile
        candidate = SearchMessage(
            seq=seq,
            uid=message.uid,
            flags=message.flags.names(),
            internaldate=message.internaldate,
            size=message.size,
            largest_seq=selected.count,
            largest_uid=largest_uid,
            raw=raw,
        )
        if program.matches(candidate, saved=selected.saved):
            matched.append((seq, message))
    return matched


def _save(selected: Selected, matched: list[tuple[int, Message]], returns: tuple[str, ...]) -> None:
    """Keep the result for `$`: all of it, or only the MIN and MAX asked for."""
    uids = [m.uid for _, m in matched]
    if uids and ("MIN" in returns or "MAX" in returns):
        kept = set()
        if "MIN" in returns:
            kept.add(uids[0])
        if "MAX" in returns:
            kept.add(uids[-1])
        selected.saved = kept
    else:
        selected.saved = set(uids)


def _esearch(tag: str, numbers: list[int], options: tuple[str, ...], *, uid: bool) -> str:
    parts = [f'ESEARCH (TAG "{tag}")']
    if uid:
        parts.append("UID")
    if numbers:
        if "MIN" in options:
            parts.append(f"MIN {numbers[0]}")
        if "MAX" in options:
            parts.append(f"MAX {numbers[-1]}")
    if "COUNT" in options:
        parts.append(f"COUNT {len(numbers)}")
    if numbers and "ALL" in options:
        parts.append(f"ALL {format_uids(numbers)}")
    return " ".join(parts)
