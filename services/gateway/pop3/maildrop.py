"""The maildrop of a POP3 session: the Inbox as it was at login, numbered 1..n for the
whole session (RFC 1939 §4), with deletions remembered and applied only at QUIT.

Only the Inbox is offered: mail filed elsewhere, and Spam, stays out of POP3 clients.
A message's unique id (UIDL) is the store's message id, the same in every session.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.model import FlagChange, FolderRole, Selection
from shared.ports import BlobStore
from shared.ports.blobs import BlobNotFound
from shared.ports.leases import Lease, Leases, MemoryLeases
from shared.ports.mailbox import NotFound
from shared.ports.uses import GatewayMailbox


class Gone(LookupError):
    """The message left the Inbox (another client moved or deleted it) after login."""


@dataclass
class Entry:
    id: str
    size: int  # octets as stored; mail arrives with CRLF line ends, so as sent too
    deleted: bool = False
    retrieved: bool = False


@dataclass(frozen=True)
class Update:
    """What QUIT changed: messages moved to Trash and messages marked read."""

    trashed: int
    read: int


class Maildrop:
    def __init__(
        self,
        mailbox: GatewayMailbox,
        blobs: BlobStore,
        account_id: str,
        folder_id: str,
        entries: list[Entry],
    ) -> None:
        self._mailbox = mailbox
        self._blobs = blobs
        self._account_id = account_id
        self._folder_id = folder_id
        self._entries = entries

    @classmethod
    async def open(cls, mailbox: GatewayMailbox, blobs: BlobStore, account_id: str) -> Maildrop:
        inbox = await mailbox.folder_by_role(account_id, FolderRole.INBOX)
        listed = await mailbox.folder_uids(account_id, inbox.id)  # oldest (lowest UID) first
        entries = [Entry(id=e.id, size=e.size) for e in listed]
        return cls(mailbox, blobs, account_id, inbox.id, entries)

    def get(self, number: int) -> Entry | None:
        """Message `number` (from 1) unless it does not exist or is marked deleted."""
        if 1 <= number <= len(self._entries):
            entry = self._entries[number - 1]
            if not entry.deleted:
                return entry
        return None

    def listing(self) -> list[tuple[int, Entry]]:
        """The messages not marked deleted, with their numbers."""
        return [(n, e) for n, e in enumerate(self._entries, start=1) if not e.deleted]

    def stat(self) -> tuple[int, int]:
        """How many messages not marked deleted, and their total size in octets."""
        live = [e for e in self._entries if not e.deleted]
        return len(live), sum(e.size for e in live)

    def reset(self) -> None:
        for entry in self._entries:
            entry.deleted = False

    async def content(self, entry: Entry) -> bytes:
        """The stored bytes of a message; `Gone` if it was removed meanwhile."""
        try:
            message = await self._mailbox.message(self._account_id, entry.id)
            if message.folder_id != self._folder_id:
                raise Gone(entry.id)
            return await self._blobs.get(message.blob_id)
        except (NotFound, BlobNotFound) as e:
            raise Gone(entry.id) from e

    async def commit(self) -> Update:
        """The UPDATE state: messages marked deleted go to Trash, messages retrieved are
        marked read. Only messages still in the Inbox are touched: one another client
        moved elsewhere meanwhile stays where it was put."""
        current = {
            e.id: e for e in await self._mailbox.folder_uids(self._account_id, self._folder_id)
        }
        trash = [e.id for e in self._entries if e.deleted and e.id in current]
        read = [
            e.id
            for e in self._entries
            if e.retrieved and not e.deleted and e.id in current and current[e.id].unread
        ]
        if trash:
            await self._mailbox.trash_messages(self._account_id, Selection(message_ids=trash))
        if read:
            await self._mailbox.set_flags(
                self._account_id, Selection(message_ids=read), FlagChange(unread=False)
            )
        return Update(trashed=len(trash), read=len(read))


class MaildropLocks:
    """RFC 1939 §8: one session at a time per maildrop, across every gateway replica
    (a lease per account in the shared `Leases`, `POP3_LOCKS` in NATS)."""

    def __init__(self, leases: Leases | None = None) -> None:
        self._leases: Leases = leases or MemoryLeases()

    async def acquire(self, account_id: str) -> Lease | None:
        """The account's lock, or None while another session holds it."""
        return await self._leases.acquire(f"pop3 {account_id}")
