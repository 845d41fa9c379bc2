"""GETQUOTA, GETQUOTAROOT, SETQUOTA (RFC 9208): one quota root, "", for the whole account,
with the STORAGE resource in units of 1024 octets; none when the account's plan sets no
storage limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import arity, existing
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import No
from services.gateway.imap.tokens import text_of

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

ROOT = ""


async def _quota_line(session: Session) -> str | None:
    quota = await session.front.mailbox.quota(session.account_id)
    if quota.limit_bytes is None:
        return None
    used = (quota.used_bytes + 1023) // 1024
    return f'QUOTA "{ROOT}" (STORAGE {used} {quota.limit_bytes // 1024})'


async def getquotaroot(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    mailbox = await existing(session, command.args[0])
    line = await _quota_line(session)
    name = session.name(mailbox.name)
    if line is None:
        session.out.untagged(b"QUOTAROOT " + name)
    else:
        session.out.untagged(b"QUOTAROOT " + name + f' "{ROOT}"'.encode())
        session.out.untagged(line)
    return None


async def getquota(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    line = await _quota_line(session) if text_of(command.args[0]) == ROOT else None
    if line is None:
        raise No("No such quota root", "NONEXISTENT")
    session.out.untagged(line)
    return None


async def setquota(session: Session, command: Command) -> str | None:
    raise No("Quotas are set by the administrator (the account's plan)", "NOPERM")
