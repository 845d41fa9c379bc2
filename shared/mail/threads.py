"""Conversation threading: Jamie Zawinski's algorithm (https://www.jwz.org/doc/threading.html)
as RFC 5256 §2.2 (REFERENCES) specifies it, with the base subject of RFC 5256 §2.1.

A pure function over message metadata. The output is flat (a thread is a set of messages
in date order), so the reference tree is kept only as far as it decides membership.

Where this departs from a literal reading of JWZ, on purpose:
- Thread roots that share a base subject merge only if one of them looks like a reply
  (a "Re:"-type prefix, references of its own, or a lost parent). JWZ merges every root
  with the same subject, which glues together unrelated "Hello" or "Invoice" mails.
- A message whose Message-ID is already taken gets a synthetic id (as in JWZ); if it ends
  up a root with the same base subject as the first holder of the id, it joins that
  thread, so a copy received twice does not show as two conversations.
- Messages are processed oldest first (ties by store id), so the result does not depend
  on the input order.

Cost: O(n log n) for the sort, then linear in the number of references, except the loop
check, which walks up the parent chain only when a message that already has replies is
linked to a parent (it arrived after a reply to it): rare, and short in practice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel

from shared.model import ThreadKey


class Thread(BaseModel):
    """One conversation."""

    id: str  # the store id of its oldest message: stable while that message stays
    message_ids: list[str]  # store ids, oldest to newest (ties by id)
    subject: str  # the root's subject, normalised (`normalise_subject`)
    unread: bool  # any message unread
    count: int
    last_date: datetime


# --- Base subject (RFC 5256 §2.1) -------------------------------------------------------

# Reply and forward prefixes: RFC 5256's "re", "fw", "fwd", plus common localised ones
# (French Tr/Réf, German AW/WG, Scandinavian SV/VS, Dutch Antw, Italian Rif, Spanish RV,
# Portuguese Enc, Polish Odp, Chinese 回复/答复/转发/回覆/轉寄), optionally counted: Re[2], Re^2.
_REFWD = r"(?:re|fwd?|tr|aw|wg|sv|vs|réf|antw|rif|rv|enc|odp|回复|答复|转发|回覆|轉寄)"
_BLOB = r"\[[^\[\]]*\]\s*"
_LEADER = re.compile(
    rf"(?:{_BLOB})*{_REFWD}(?:\s*\(\d+\)|\s*\^\d+)?\s*(?:{_BLOB})?[:\uff1a]\s*", re.IGNORECASE
)
_BLOB_PREFIX = re.compile(_BLOB)
_TRAILER = re.compile(r"\s*\((?:fwd|fw)\)\s*$", re.IGNORECASE)
_FWD_WRAPPER = re.compile(r"\[fwd:(.*)\]", re.IGNORECASE | re.DOTALL)


def _strip_subject(subject: str) -> tuple[str, bool]:
    """(base subject with case kept, whether a reply/forward marker was removed)."""
    text = " ".join(unicodedata.normalize("NFC", subject).split())  # §2.1 (1)
    reply = False
    while True:
        while match := _TRAILER.search(text):  # (2) trailing "(fwd)"
            text, reply = text[: match.start()], True
        while True:  # (3)-(5): leaders, then a leading [blob] unless nothing would remain
            if match := _LEADER.match(text):
                text, reply = text[match.end() :], True
            elif (match := _BLOB_PREFIX.match(text)) and text[match.end() :].strip():
                text = text[match.end() :]
            else:
                break
        if match := _FWD_WRAPPER.fullmatch(text):  # (6) "[fwd: ...]"
            text, reply = match.group(1).strip(), True
            continue
        return text.strip(), reply


def normalise_subject(subject: str) -> str:
    """The base subject for display: prefixes, list tags and "(fwd)" removed, whitespace
    folded, case kept. "Re: [team] AW: Fwd:  Plan" → "Plan"."""
    return _strip_subject(subject)[0]


def base_subject(subject: str) -> str:
    """The base subject as a comparison key (RFC 5256 §2.1, case-insensitive)."""
    return _strip_subject(subject)[0].casefold()


def is_reply_subject(subject: str) -> bool:
    """Whether the subject carries a reply or forward marker ("Re:", "Fwd:", "AW:", …)."""
    return _strip_subject(subject)[1]


# --- JWZ containers ---------------------------------------------------------------------


class _Container:
    __slots__ = ("children", "duplicate_of", "message", "parent")

    def __init__(self, message: ThreadKey | None = None) -> None:
        self.message = message
        self.parent: _Container | None = None
        self.children: list[_Container] = []
        self.duplicate_of: _Container | None = None  # the holder of the same Message-ID


def _is_ancestor(candidate: _Container, node: _Container) -> bool:
    """Whether `candidate` is `node` or one of its ancestors."""
    if not candidate.children:  # nothing hangs below it, so nothing can loop through it
        return candidate is node
    current: _Container | None = node
    while current is not None:
        if current is candidate:
            return True
        current = current.parent
    return False


def _link(parent: _Container, child: _Container) -> None:
    if child.parent is not None:
        child.parent.children.remove(child)
    child.parent = parent
    parent.children.append(child)


def _parent_ids(message: ThreadKey) -> list[str]:
    """References, then In-Reply-To if References does not end with it (RFC 5256 §2.2 1.A);
    without repeats or the message's own id."""
    ids = list(message.references)
    if message.in_reply_to and (not ids or ids[-1] != message.in_reply_to[0]):
        ids.append(message.in_reply_to[0])
    seen = {message.message_id}
    unique = []
    for mid in reversed(ids):  # keep the last occurrence: the nearest ancestor wins
        if mid not in seen:
            seen.add(mid)
            unique.append(mid)
    unique.reverse()
    return unique


def _build_tree(messages: list[ThreadKey]) -> list[_Container]:
    """RFC 5256 §2.2 step 1: one container per message, linked by references without
    loops. Returns the messages' containers (empty ones hang between them)."""
    table: dict[str, _Container] = {}
    holders: list[_Container] = []
    for message in messages:
        container = table.get(message.message_id) if message.message_id else None
        if container is not None and container.message is None:
            container.message = message
        else:
            duplicate = container
            container = _Container(message)
            container.duplicate_of = duplicate
            if message.message_id and duplicate is None:
                table[message.message_id] = container
        holders.append(container)
        previous: _Container | None = None
        for mid in _parent_ids(message):  # 1.B: link each reference to the one before it
            node = table.get(mid)
            if node is None:
                node = table[mid] = _Container()
            if previous is not None and node.parent is None and not _is_ancestor(node, previous):
                _link(previous, node)
            previous = node
        # 1.C: the last reference is the parent, replacing a guess from another message's
        # References; a link that would close a loop is refused and the old one kept.
        if previous is None:
            if container.parent is not None:
                container.parent.children.remove(container)
                container.parent = None
        elif container.parent is not previous and not _is_ancestor(container, previous):
            _link(previous, container)
    return holders


def _roots(holders: list[_Container]) -> dict[_Container, _Container]:
    """The root of each container's tree, after pruning (RFC 5256 §2.2 step 3: an empty
    root with a single child gives way to it). Memoised, so linear even for long chains."""
    top: dict[_Container, _Container] = {}
    for holder in holders:
        path: list[_Container] = []
        node = holder
        while node not in top and node.parent is not None:
            path.append(node)
            node = node.parent
        found = top.get(node)
        if found is None:
            found = node
            while found.message is None and len(found.children) == 1:
                found = found.children[0]
            top[node] = found
        for visited in path:
            top[visited] = found
    return top


# --- Grouping ---------------------------------------------------------------------------


class _Tree:
    """The messages of one reference tree, and the thread it ends up in."""

    __slots__ = ("merged_into", "messages", "root", "trees")

    def __init__(self, root: _Container) -> None:
        self.root = root
        self.messages: list[ThreadKey] = []  # oldest first
        self.trees: list[_Tree] = [self]  # of the thread, while this tree leads it
        self.merged_into: _Tree | None = None

    def leader(self) -> _Tree:
        tree = self
        while tree.merged_into is not None:
            tree = tree.merged_into
        return tree

    def head(self) -> ThreadKey:
        """The message standing for the tree: its root, or its oldest message if the root
        is empty (JWZ takes the subject of an empty root's first child)."""
        return self.root.message or self.messages[0]

    def looks_like_reply(self) -> bool:
        message = self.root.message
        if message is None:  # its parent was never seen
            return True
        return bool(message.references or message.in_reply_to) or is_reply_subject(message.subject)


def _merge(first: _Tree, second: _Tree) -> None:
    first, second = first.leader(), second.leader()
    if first is not second:
        second.merged_into = first
        first.trees.extend(second.trees)
        second.trees = []


def _merge_by_subject(trees: list[_Tree], tree_of: dict[_Container, _Tree]) -> None:
    """RFC 5256 §2.2 step 5 (JWZ step 5), narrowed as the module docstring says.

    `tree_of` maps every message's container to its tree."""
    by_subject: dict[str, list[_Tree]] = {}
    for tree in trees:
        key = base_subject(tree.head().subject)
        if key:
            by_subject.setdefault(key, []).append(tree)
    for same in by_subject.values():
        if len(same) > 1 and any(tree.looks_like_reply() for tree in same):
            for tree in same[1:]:
                _merge(same[0], tree)
    for tree in trees:  # a second copy of a Message-ID joins the first copy's thread
        original = tree.root.duplicate_of
        message = tree.root.message
        if original is None or original.message is None or message is None:
            continue
        if base_subject(message.subject) == base_subject(original.message.subject):
            _merge(tree_of[original], tree)


def _thread(trees: list[_Tree]) -> Thread:
    messages = sorted((m for tree in trees for m in tree.messages), key=lambda m: (m.date, m.id))
    # The root: the oldest tree that does not look like a reply (JWZ makes it the parent
    # of the others), else the oldest tree.
    leading = min(trees, key=lambda t: (t.looks_like_reply(), t.messages[0].date, t.messages[0].id))
    return Thread(
        id=messages[0].id,
        message_ids=[m.id for m in messages],
        subject=normalise_subject(leading.head().subject),
        unread=any(m.unread for m in messages),
        count=len(messages),
        last_date=messages[-1].date,
    )


def thread_messages(messages: Iterable[ThreadKey]) -> list[Thread]:
    """Group messages into conversations (JWZ), newest activity first, ties by thread id."""
    ordered = sorted(messages, key=lambda m: (m.date, m.id))
    holders = _build_tree(ordered)
    roots = _roots(holders)
    by_root: dict[_Container, _Tree] = {}
    tree_of: dict[_Container, _Tree] = {}
    for holder in holders:  # oldest first: each tree's messages stay in date order
        root = roots[holder]
        tree = by_root.get(root)
        if tree is None:
            tree = by_root[root] = _Tree(root)
        assert holder.message is not None
        tree.messages.append(holder.message)
        tree_of[holder] = tree
    trees = list(by_root.values())
    _merge_by_subject(trees, tree_of)
    threads = [_thread(tree.trees) for tree in trees if tree.merged_into is None]
    threads.sort(key=lambda t: t.id)
    threads.sort(key=lambda t: t.last_date, reverse=True)
    return threads
