"""IDLE (RFC 2177): the session waits for `DONE` while it pushes EXISTS, EXPUNGE and FETCH
responses as the selected mailbox changes.

The gateway's change feed says when the account changed (a journal entry reached the
bus); the session then reads what changed from the journal. It also reads the journal
every `FALLBACK_POLL` seconds, so a notification lost on the way only delays an update.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad
from services.gateway.imap.spec import AUTOLOGOUT

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

FALLBACK_POLL = 30.0


async def idle(session: Session, command: Command) -> str | None:
    if command.args:
        raise Bad("IDLE takes no arguments")
    session.out.continuation("idling")
    await session.out.flush()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + AUTOLOGOUT
    line = asyncio.create_task(session.reader.read_line())
    stop = asyncio.create_task(session.stopping.wait())
    waiter: asyncio.Task[bool] | None = None
    async with session.front.changes.watch(session.account_id) as watch:
        try:
            await _push(session)
            while True:
                if waiter is None:
                    waiter = asyncio.create_task(watch.wait(FALLBACK_POLL))
                done, _ = await asyncio.wait(
                    {line, stop, waiter},
                    timeout=max(0.0, deadline - loop.time()),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if not done or stop in done:
                    reason = "Server shutting down" if done else "Autologout; idle for too long"
                    session.out.untagged(f"BYE {reason}")
                    session.logged_out = True
                    return None
                if waiter in done:
                    waiter = None
                    await _push(session)
                if line in done:
                    text = line.result()
                    if text is None or text.strip().upper() != b"DONE":
                        raise Bad("Expected DONE")
                    return "IDLE terminated"
        finally:
            for task in (line, stop, waiter):
                if task is not None:
                    task.cancel()


async def _push(session: Session) -> None:
    selected = session.selected
    if selected is None:
        return
    await selected.poll()
    selected.report(session.out, expunges=True)
    await session.out.flush()
