"""Journal role of the mailbox store: one account's change journal read in modseq order
(IMAP sessions catching up, CONDSTORE later)."""

from __future__ import annotations

from typing import Protocol

from shared.events import MailboxChanged


class Journal(Protocol):
    """An account's change journal, read from a modseq on."""

    async def highest_modseq(self, account_id: str) -> int:
        """The modseq of the account's latest journal entry (0 before any change): a reader
        that has seen every entry up to it is up to date. `NotFound` for a bad account."""
        ...

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        """Journal entries of one account with a modseq above `modseq`, in order."""
        ...
