"""The selected mailbox of a session (RFC 3501 §2.3.1, §7.4.1, RFC 9051).

Sequence numbers are positions in the session's list of UIDs, which changes only when the
client is told: other sessions' changes are read from the account's change journal
(`MailboxStore.changes_since`) and kept pending — new messages until an EXISTS response,
expunged ones until EXPUNGE responses (never sent during FETCH, STORE or SEARCH, whose
sequence numbers the client must be able to trust), flag changes until an unsolicited
FETCH. Opening costs one `folder_uids` read: UIDs, flags, sizes and dates, not messages.

Changes are applied by comparing modseqs: the journal is read from a modseq taken before
the folder's UIDs, so a change already in the listing can come again and is ignored.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime

from services.gateway.imap.flags import MessageFlags
from services.gateway.imap.responses import Bad, Output
from services.gateway.imap.seqset import SequenceSet
from shared.events import ChangeKind, MailboxChanged
from shared.model import Folder, MessageSummary
from shared.ports.uses import GatewayMailbox

_PAGE = 1000


@dataclass(slots=True)
class Message:
    uid: int
    id: str
    flags: MessageFlags
    size: int
    internaldate: datetime
    modseq: int
    blob_id: str
    told: MessageFlags | None = None  # the flags the client last heard of (None: these)


def _message(summary: MessageSummary) -> Message:
    return Message(
        uid=summary.uid,
        id=summary.id,
        flags=MessageFlags.of(
            unread=summary.unread,
            flagged=summary.flagged,
            deleted=summary.deleted,
            answered=summary.answered,
            draft=summary.draft,
            tags=summary.tags,
        ),
        size=summary.size,
        internaldate=summary.received_at,
        modseq=summary.modseq,
        blob_id=summary.blob_id,
    )


class Selected:
    def __init__(
        self,
        mailbox: GatewayMailbox,
        account_id: str,
        folder: Folder,
        messages: list[Message],
        *,
        read_only: bool,
        cursor: int,
    ) -> None:
        self.mailbox = mailbox
        self.account_id = account_id
        self.folder = folder
        self.read_only = read_only
        self.cursor = cursor
        self.uids = [m.uid for m in messages]
        self.by_uid = {m.uid: m for m in messages}
        self.by_id = {m.id: m for m in messages}
        self.uid_high = max(self.uids, default=0)
        self.gone = False  # the folder was removed for good
        self.saved: set[int] = set()  # SEARCHRES: UIDs of the last SEARCH RETURN (SAVE)
        self._new: list[Message] = []
        self._expunged: set[int] = set()
        self._changed: set[int] = set()

    @classmethod
    async def open(
        cls,
        mailbox: GatewayMailbox,
        account_id: str,
        folder: Folder,
        *,
        read_only: bool,
        floor: int = 0,
    ) -> Selected:
        # The journal position first: a change that lands while the listing is read is
        # seen again afterwards rather than missed.
        cursor = max(floor, await mailbox.highest_modseq(account_id))
        entries = await mailbox.folder_uids(account_id, folder.id)
        messages = [
            Message(
                uid=e.uid,
                id=e.id,
                flags=MessageFlags.of_entry(e),
                size=e.size,
                internaldate=e.received_at,
                modseq=e.modseq,
                blob_id=e.blob_id,
            )
            for e in entries
        ]
        return cls(mailbox, account_id, folder, messages, read_only=read_only, cursor=cursor)

    # --- what the client sees ---------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.uids)

    @property
    def uidnext(self) -> int:
        return max(self.folder.uidnext, self.uid_high + 1)

    def seq_of(self, uid: int) -> int:
        return bisect.bisect_left(self.uids, uid) + 1

    def first_unseen(self) -> int | None:
        for seq, uid in enumerate(self.uids, start=1):
            if not self.by_uid[uid].flags.seen:
                return seq
        return None

    def resolve(self, sequence: SequenceSet, *, uid: bool) -> list[tuple[int, Message]]:
        """The messages a sequence set names, as (sequence number, message), ascending.
        Raises `Bad` for a message number past the last message."""
        if sequence.saved:
            return [
                (self.seq_of(u), self.by_uid[u]) for u in sorted(self.saved) if u in self.by_uid
            ]
        if uid:
            largest = self.uids[-1] if self.uids else 0
            out: list[tuple[int, Message]] = []
            for low, high in sequence.intervals(largest):
                start = bisect.bisect_left(self.uids, low)
                end = bisect.bisect_right(self.uids, high)
                out += [(i + 1, self.by_uid[self.uids[i]]) for i in range(start, end)]
            return out
        for first, last in sequence.ranges:
            # "n:*" names the last message even past it (RFC 3501 §6.4.8): only ranges
            # without "*" can name a message that does not exist.
            if first is not None and last is not None and max(first, last) > self.count:
                raise Bad("Invalid message sequence number")
        return [(s, self.by_uid[self.uids[s - 1]]) for s in sequence.values(self.count)]

    def is_expunged(self, message: Message) -> bool:
        """Removed from the folder, though the client is not told yet."""
        return message.uid in self._expunged

    # --- this session's own changes ------------------------------------------------------
    def set_flags(self, message: Message, flags: MessageFlags) -> None:
        """Flags this session changed (and reports itself)."""
        message.flags = message.told = flags

    def told_flags(self, message: Message) -> None:
        """A FETCH response just gave the message's flags."""
        message.told = message.flags

    def expunge(self, out: Output, uids: set[int]) -> None:
        """Messages this session removed: EXPUNGE responses now (with any pending ones)."""
        self._expunged |= uids & set(self.by_uid)
        self._write_expunges(out)

    # --- other sessions' changes ---------------------------------------------------------
    async def poll(self) -> None:
        """Read the journal past the cursor and keep what concerns this folder pending."""
        while True:
            changes = await self.mailbox.changes_since(self.account_id, self.cursor, limit=_PAGE)
            for change in changes:
                self._apply(change)
                self.cursor = max(self.cursor, change.modseq)
            if len(changes) < _PAGE:
                return

    def _apply(self, change: MailboxChanged) -> None:
        mine = change.folder_id == self.folder.id
        if change.kind is ChangeKind.FOLDER_REMOVED:
            self.gone = self.gone or mine
        elif change.kind is ChangeKind.MESSAGE_REMOVED:
            if mine and change.message_id is not None:
                self._remove(change.message_id, change.modseq)
        elif change.message is None:
            return
        elif change.kind is ChangeKind.MESSAGE_ADDED:
            if mine:
                self._add(change.message)
        elif change.kind is ChangeKind.MESSAGE_UPDATED:
            moved = change.previous_folder_id not in (None, change.folder_id)
            if moved and change.previous_folder_id == self.folder.id:
                self._remove(change.message.id, change.modseq)
            elif mine and moved:
                self._add(change.message)
            elif mine:
                self._update(change.message, change.modseq)

    def _remove(self, message_id: str, modseq: int) -> None:
        self._new = [m for m in self._new if m.id != message_id]
        message = self.by_id.get(message_id)
        if message is not None and message.modseq < modseq and message.uid in self.by_uid:
            self._expunged.add(message.uid)

    def _add(self, summary: MessageSummary) -> None:
        if summary.uid <= self.uid_high:
            self._update(summary, summary.modseq)  # listed already
            return
        message = _message(summary)
        self._new.append(message)
        self.by_id[message.id] = message
        self.uid_high = message.uid

    def _update(self, summary: MessageSummary, modseq: int) -> None:
        message = self.by_id.get(summary.id)
        if message is None or message.uid != summary.uid or modseq <= message.modseq:
            return
        message.modseq = modseq
        flags = _message(summary).flags
        if flags != message.flags:
            if message.told is None:
                message.told = message.flags
            message.flags = flags
            if message.uid in self.by_uid:
                self._changed.add(message.uid)

    def report(self, out: Output, *, expunges: bool) -> None:
        """Tell the client what changed: EXPUNGE (when `expunges`), EXISTS, and FETCH
        FLAGS of messages whose flags others changed."""
        if expunges:
            self._write_expunges(out)
        if self._new:
            for message in self._new:
                self.uids.append(message.uid)
                self.by_uid[message.uid] = message
            self._new.clear()
            out.untagged(f"{self.count} EXISTS")
        for uid in sorted(self._changed):
            changed = self.by_uid.get(uid)
            if changed is not None and uid not in self._expunged and changed.told != changed.flags:
                changed.told = changed.flags
                flags = " ".join(changed.flags.names())
                out.untagged(f"{self.seq_of(uid)} FETCH (UID {uid} FLAGS ({flags}))")
        self._changed.clear()

    def _write_expunges(self, out: Output) -> None:
        if not self._expunged:
            return
        kept: list[int] = []
        removed = 0
        for seq, uid in enumerate(self.uids, start=1):
            if uid in self._expunged:
                out.untagged(f"{seq - removed} EXPUNGE")
                removed += 1
                message = self.by_uid.pop(uid)
                if self.by_id.get(message.id) is message:
                    del self.by_id[message.id]
                self.saved.discard(uid)
            else:
                kept.append(uid)
        self.uids = kept
        self._expunged.clear()
