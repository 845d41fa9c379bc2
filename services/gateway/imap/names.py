"""An account's folder tree as IMAP mailbox names (RFC 3501 §5.1, RFC 6154, RFC 5258).

- The hierarchy delimiter is "/" (folder names cannot hold one); the Inbox is `INBOX`,
  matched whatever its case; other names are the folder path, e.g. `Projects/2026`.
- System folders carry their SPECIAL-USE attribute: Sent `\\Sent`, Drafts `\\Drafts`,
  Trash `\\Trash`, Spam `\\Junk`; Templates is a plain mailbox.
- A folder inside Trash whose whole subtree is empty is not listed: that is what an IMAP
  DELETE leaves behind (Bureau keeps deleted folders in Trash until it is emptied; IMAP
  DELETE empties the folder first, so to IMAP clients it is gone, as with Dovecot).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shared.model import Folder, FolderRole

DELIMITER = "/"
INBOX = "INBOX"

SPECIAL_USE: dict[FolderRole, str] = {
    FolderRole.SENT: "\\Sent",
    FolderRole.DRAFTS: "\\Drafts",
    FolderRole.TRASH: "\\Trash",
    FolderRole.SPAM: "\\Junk",
}


@dataclass(frozen=True)
class Mailbox:
    name: str
    folder: Folder
    has_children: bool

    @property
    def special_use(self) -> str | None:
        return SPECIAL_USE.get(self.folder.role) if self.folder.role else None

    def attributes(self) -> list[str]:
        """\\HasChildren or \\HasNoChildren, and the SPECIAL-USE attribute."""
        out = ["\\HasChildren" if self.has_children else "\\HasNoChildren"]
        if self.special_use:
            out.append(self.special_use)
        return out


def canonical(name: str) -> str:
    """A name as the client gave it, `INBOX` in any case made `INBOX`, a trailing
    delimiter dropped."""
    name = name.rstrip(DELIMITER) if name != DELIMITER else name
    if name.upper() == INBOX:
        return INBOX
    return name


class MailboxTree:
    """The listed mailboxes of an account, read once for one command."""

    def __init__(self, folders: list[Folder]) -> None:
        by_id = {f.id: f for f in folders}
        children: dict[str | None, list[Folder]] = {}
        for folder in folders:
            parent = folder.parent_id if folder.parent_id in by_id else None
            children.setdefault(parent, []).append(folder)
        trash = next((f for f in folders if f.role is FolderRole.TRASH), None)

        totals: dict[str, int] = {}

        def subtree_total(folder: Folder) -> int:
            if folder.id not in totals:
                below = children.get(folder.id, [])
                totals[folder.id] = folder.total + sum(subtree_total(c) for c in below)
            return totals[folder.id]

        def hidden(folder: Folder, in_trash: bool) -> bool:
            return in_trash and subtree_total(folder) == 0

        self._by_name: dict[str, Mailbox] = {}
        self._by_id: dict[str, Mailbox] = {}
        self._order: list[Mailbox] = []

        def walk(folder: Folder, prefix: str, in_trash: bool) -> None:
            if hidden(folder, in_trash):
                return
            if folder.role is FolderRole.INBOX and not prefix:
                name = INBOX
            else:
                name = prefix + folder.name
            below = children.get(folder.id, [])
            inside = in_trash or (trash is not None and folder.id == trash.id)
            visible = [c for c in below if not hidden(c, inside)]
            mailbox = Mailbox(name, folder, bool(visible))
            self._by_name[name] = mailbox
            self._by_id[folder.id] = mailbox
            self._order.append(mailbox)
            for child in below:
                walk(child, name + DELIMITER, inside)

        for top in children.get(None, []):
            walk(top, "", False)

    def __iter__(self) -> Iterator[Mailbox]:
        return iter(self._order)

    def find(self, name: str) -> Mailbox | None:
        return self._by_name.get(canonical(name))

    def by_id(self, folder_id: str) -> Mailbox | None:
        return self._by_id.get(folder_id)

    def by_role(self, role: FolderRole) -> Mailbox | None:
        return next((m for m in self._order if m.folder.role is role), None)

    def match(self, pattern: str) -> list[Mailbox]:
        """The mailboxes a LIST pattern names (`*` anything, `%` anything but the
        delimiter), in tree order."""
        matcher = Pattern(pattern)
        return [m for m in self._order if matcher.matches(m.name)]


class Pattern:
    """A LIST pattern (RFC 3501 §6.3.8): `*` matches any text, `%` any text without the
    hierarchy delimiter; `INBOX` matches in any case.

    Matched by walking the pattern's states over the name (an NFA), not by a regular
    expression: `*a*a*a…b` would make a backtracking engine take exponential time, this
    takes at most the name's length times the pattern's.
    """

    def __init__(self, pattern: str) -> None:
        tokens: list[str] = []
        for ch in pattern:
            if ch in "*%" and tokens and tokens[-1] in "*%":
                # A run of wildcards matches what its widest one does: `*%` is `*`.
                tokens[-1] = "*" if "*" in (ch, tokens[-1]) else "%"
            else:
                tokens.append(ch)
        self._tokens = tokens

    def matches(self, name: str) -> bool:
        # "inbox", "Inbox*"…: the INBOX part of a name matches in any case (and, as with a
        # case-insensitive regex, the rest of such a name too).
        folded = name == INBOX or name.startswith(INBOX + DELIMITER)
        tokens = self._tokens
        states = self._closure({0})
        for ch in name:
            moved: set[int] = set()
            for i in states:
                if i == len(tokens):
                    continue
                token = tokens[i]
                if token == "*" or (token == "%" and ch != DELIMITER):
                    moved.add(i)
                elif token == ch or (folded and token.lower() == ch.lower()):
                    moved.add(i + 1)
            if not moved:
                return False
            states = self._closure(moved)
        return len(tokens) in states

    def _closure(self, states: set[int]) -> set[int]:
        """`states` and those a wildcard (which may match nothing) lets them skip to."""
        out = set(states)
        for i in states:
            while i < len(self._tokens) and self._tokens[i] in "*%":
                i += 1
                out.add(i)
        return out


def split(name: str) -> tuple[str | None, str]:
    """A name's parent name (None at the top) and its last level."""
    parent, sep, leaf = name.rpartition(DELIMITER)
    return (parent if sep else None), leaf
